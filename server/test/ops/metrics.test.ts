import { describe, expect, it } from 'vitest';
import { CODES } from '../../src/codes.js';
import { APP_ID, RawClient, token } from '../support/client.js';
import { parsePrometheusText, valueOf } from './prom-text.js';
import { serveWithAdmin } from './support.js';

describe('/metrics', () => {
  it('serves the Prometheus text format with values that match a scripted call', async () => {
    const { url, track, http, media } = await serveWithAdmin();
    const alice = track(await RawClient.connect(url));
    const bob = track(await RawClient.connect(url));
    const carol = track(await RawClient.connect(url));
    const dave = track(await RawClient.connect(url));
    const eve = track(await RawClient.connect(url));
    await alice.join('room1', 'alice');
    await alice.request('publish', { screen: false });
    media.emit({ type: 'push-started', key: { appId: APP_ID, roomId: 'room1', userId: 'alice', screen: false } });
    await bob.join('room1', 'bob');
    await bob.request('subscribe', { userId: 'alice', screen: false });
    await carol.join('room1', 'carol', { visible: false });
    await dave.join('room2', 'dave');
    const refused = await eve.join('room1', 'eve', { token: token('room1', 'eve', { appKey: 'not-the-key' }) });
    expect(refused.ok).toBe(false);
    expect((await bob.request('publish', { screen: 'yes' })).ok).toBe(false);
    expect((await http('DELETE', `/admin/api/apps/${APP_ID}/rooms/room2/members/dave`)).status).toBe(200);
    await dave.waitClose();
    eve.close();

    const res = await http('GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const m = parsePrometheusText(res.text);
    expect(m.get('mprtc_joins_total')?.type).toBe('counter');
    expect(m.get('mprtc_request_duration_seconds')?.type).toBe('histogram');

    expect(valueOf(m, 'mprtc_rooms', { app: APP_ID })).toBe(1);
    expect(valueOf(m, 'mprtc_members', { app: APP_ID, visibility: 'visible' })).toBe(2);
    expect(valueOf(m, 'mprtc_members', { app: APP_ID, visibility: 'invisible' })).toBe(1);
    expect(valueOf(m, 'mprtc_streams', { app: APP_ID })).toBe(1);
    expect(valueOf(m, 'mprtc_subscriptions', { app: APP_ID })).toBe(1);
    expect(valueOf(m, 'mprtc_sessions')).toBe(3);
    expect(valueOf(m, 'mprtc_joins_total', { takeover: 'false' })).toBe(4);
    expect(valueOf(m, 'mprtc_leaves_total', { reason: 'kicked' })).toBe(1);
    expect(valueOf(m, 'mprtc_refusals_total', { request: 'join', code: String(refused.error!.code), name: 'TOKEN_INVALID' })).toBe(1);
    expect(refused.error!.code).toBe(CODES.TOKEN_INVALID);
    // The publish with a bad field was refused before it was a publish.
    expect(valueOf(m, 'mprtc_refusals_total', { request: 'invalid', name: 'INVALID_PARAMS' })).toBe(1);
    expect(valueOf(m, 'mprtc_request_duration_seconds_count', { request: 'join' })).toBe(5);
    expect(valueOf(m, 'mprtc_request_duration_seconds_count', { request: 'publish' })).toBe(1);
    expect(valueOf(m, 'mprtc_request_duration_seconds_count', { request: 'subscribe' })).toBe(1);
    expect(valueOf(m, 'mprtc_request_duration_seconds_bucket', { request: 'join', le: '+Inf' })).toBe(5);
    expect(valueOf(m, 'mprtc_push_events_total', { event: 'started' })).toBe(1);
    expect(valueOf(m, 'mprtc_pushes_active')).toBe(1);
    expect(valueOf(m, 'mprtc_relay_up')).toBe(1);
    expect(valueOf(m, 'mprtc_admin_actions_total', { action: 'remove-user', outcome: 'ok' })).toBe(1);
    expect(valueOf(m, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
    // Sockets close asynchronously on the server side: alice, bob and carol stay.
    await expect.poll(async () => valueOf(parsePrometheusText((await http('GET', '/metrics')).text), 'mprtc_sockets')).toBe(3);

    media.emit({ type: 'push-stopped', key: { appId: APP_ID, roomId: 'room1', userId: 'alice', screen: false }, reason: 'ended' });
    const after = parsePrometheusText((await http('GET', '/metrics')).text);
    expect(valueOf(after, 'mprtc_pushes_active')).toBe(0);
    expect(valueOf(after, 'mprtc_push_events_total', { event: 'stopped' })).toBe(1);
  });

  it('counts signaling limits reached (an oversized frame, refused tokens past their budget)', async () => {
    const { url, track, http } = await serveWithAdmin({ maxFrameBytes: 1024, tokenRefusalLimit: { max: 1, windowMs: 60_000 } });
    const c = track(await RawClient.connect(url));
    expect((await c.request('publish', { screen: false, pad: 'x'.repeat(2000) })).error?.code).toBe(CODES.PROTOCOL_ERROR);
    const bad = token('room1', 'eve', { appKey: 'not-the-key' });
    expect((await c.join('room1', 'eve', { token: bad })).error?.code).toBe(CODES.TOKEN_INVALID);
    expect((await c.join('room1', 'eve', { token: bad })).error?.code).toBe(CODES.RATE_LIMITED);
    const m = parsePrometheusText((await http('GET', '/metrics')).text);
    expect(valueOf(m, 'mprtc_limits_total', { limit: 'frame-size', closed: 'false' })).toBe(1);
    expect(valueOf(m, 'mprtc_limits_total', { limit: 'token-refusals', closed: 'false' })).toBe(1);
    expect(valueOf(m, 'mprtc_refusals_total', { request: 'join', name: 'RATE_LIMITED' })).toBe(1);
  });

  it('is off unless enabled, and two servers in one process keep their own registries', async () => {
    const off = await serveWithAdmin({}, { metrics: false });
    expect((await off.http('GET', '/metrics')).status).toBe(404);
    const a = await serveWithAdmin();
    const b = await serveWithAdmin();
    const c = track2(await RawClient.connect(a.url));
    await c.join('room1', 'alice');
    const ma = parsePrometheusText((await a.http('GET', '/metrics')).text);
    const mb = parsePrometheusText((await b.http('GET', '/metrics')).text);
    expect(valueOf(ma, 'mprtc_joins_total', { takeover: 'false' })).toBe(1);
    expect(() => valueOf(mb, 'mprtc_joins_total', { takeover: 'false' })).toThrow();
    function track2(x: RawClient): RawClient {
      return a.track(x);
    }
  });
});
