// Prometheus metrics in a registry of the server's own (never prom-client's global one, so two
// servers in one process, or an app's own metrics, do not collide). Counters follow the event
// bus; gauges of room state are read from the room service when scraped.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RoomService } from '../rooms/service.js';
import type { ServerEvents } from './events.js';
import { codeName } from './logger.js';

export interface MetricsSource {
  events: ServerEvents;
  rooms: RoomService;
  stats(): { sockets: number; sessions: number };
}

export interface Metrics {
  registry: Registry;
  /** The text exposition format. */
  render(): Promise<string>;
  contentType: string;
  close(): void;
}

export function createMetrics(src: MetricsSource): Metrics {
  const registry = new Registry();
  // Process CPU, memory, handles and nodejs_eventloop_lag_* (event-loop lag).
  collectDefaultMetrics({ register: registry });
  const r = [registry];

  new Gauge({
    name: 'mprtc_sockets',
    help: 'Open signaling sockets',
    registers: r,
    collect() {
      this.set(src.stats().sockets);
    },
  });
  new Gauge({
    name: 'mprtc_sessions',
    help: 'Sessions, attached or within their resume grace period',
    registers: r,
    collect() {
      this.set(src.stats().sessions);
    },
  });

  // The four room gauges are collected concurrently on a scrape: they share one pass over the rooms.
  let inflight: Promise<Map<string, RoomCounts>> | null = null;
  const snapshot = (): Promise<Map<string, RoomCounts>> =>
    (inflight ??= countRooms(src.rooms).finally(() => {
      inflight = null;
    }));
  const byApp = (name: string, help: string, pick: (c: RoomCounts) => number): void => {
    new Gauge({
      name,
      help,
      labelNames: ['app'],
      registers: r,
      async collect() {
        this.reset();
        for (const [app, c] of await snapshot()) this.set({ app }, pick(c));
      },
    });
  };
  byApp('mprtc_rooms', 'Rooms with at least one member', (c) => c.rooms);
  byApp('mprtc_streams', 'Published streams (pushes the rooms expect)', (c) => c.streams);
  byApp('mprtc_subscriptions', 'Subscriptions (plays granted)', (c) => c.subscriptions);
  new Gauge({
    name: 'mprtc_members',
    help: 'Room members by visibility',
    labelNames: ['app', 'visibility'],
    registers: r,
    async collect() {
      this.reset();
      for (const [app, c] of await snapshot()) {
        this.set({ app, visibility: 'visible' }, c.visible);
        this.set({ app, visibility: 'invisible' }, c.invisible);
      }
    },
  });

  const joins = new Counter({
    name: 'mprtc_joins_total',
    help: 'Members admitted to a room (takeover: replacing a session of the same user)',
    labelNames: ['takeover'],
    registers: r,
  });
  const leaves = new Counter({ name: 'mprtc_leaves_total', help: 'Members that left a room, by reason', labelNames: ['reason'], registers: r });
  const refusals = new Counter({
    name: 'mprtc_refusals_total',
    help: 'Requests answered with an error, by request type and code',
    labelNames: ['request', 'code', 'name'],
    registers: r,
  });
  const latency = new Histogram({
    name: 'mprtc_request_duration_seconds',
    help: 'Time to handle a signaling request, by request type',
    labelNames: ['request'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: r,
  });
  const pushes = new Counter({
    name: 'mprtc_push_events_total',
    help: 'Relay push events: started, stopped, failed (timeout)',
    labelNames: ['event'],
    registers: r,
  });
  const pushing = new Gauge({ name: 'mprtc_pushes_active', help: 'Pushes the relay reports as running', registers: r });
  const relayUp = new Gauge({ name: 'mprtc_relay_up', help: '1 while the media relay is up', registers: r });
  const relayRestarts = new Counter({ name: 'mprtc_relay_restarts_total', help: 'Restarts of the media relay', registers: r });
  const admin = new Counter({
    name: 'mprtc_admin_actions_total',
    help: 'Admin API actions, by action and outcome',
    labelNames: ['action', 'outcome'],
    registers: r,
  });
  const limits = new Counter({
    name: 'mprtc_limits_total',
    help: 'Signaling limits reached, by limit and whether the socket was closed',
    labelNames: ['limit', 'closed'],
    registers: r,
  });
  relayUp.set(1);

  const active = new Set<string>();
  const off = src.events.on((e) => {
    switch (e.type) {
      case 'request':
        latency.observe({ request: e.request }, e.ms / 1000);
        if (!e.ok) refusals.inc({ request: e.request, code: String(e.code ?? 0), name: codeName(e.code) });
        return;
      case 'limit':
        limits.inc({ limit: e.limit, closed: String(e.closed !== undefined) });
        return;
      case 'joined':
        joins.inc({ takeover: String(e.takeover) });
        return;
      case 'left':
        leaves.inc({ reason: e.reason });
        return;
      case 'media': {
        const k = e.event.key;
        const id = `${k.appId}/${k.roomId}/${k.userId}/${k.screen ? 1 : 0}`;
        if (e.event.type === 'push-started') active.add(id);
        else active.delete(id);
        pushing.set(active.size);
        pushes.inc({ event: e.event.type === 'push-started' ? 'started' : e.event.type === 'push-stopped' ? 'stopped' : 'failed' });
        return;
      }
      case 'relay':
        if (e.state === 'down') relayUp.set(0);
        else relayUp.set(1);
        if (e.state === 'restarted') {
          relayRestarts.inc();
          // A restarted relay has lost every push it carried.
          active.clear();
          pushing.set(0);
        }
        return;
      case 'admin':
        admin.inc({ action: e.action, outcome: e.ok ? 'ok' : 'refused' });
        return;
      default:
        return;
    }
  });

  return {
    registry,
    render: () => registry.metrics(),
    contentType: registry.contentType,
    close: () => {
      off();
      registry.clear();
    },
  };
}

interface RoomCounts {
  rooms: number;
  visible: number;
  invisible: number;
  streams: number;
  subscriptions: number;
}

async function countRooms(service: RoomService): Promise<Map<string, RoomCounts>> {
  const out = new Map<string, RoomCounts>();
  for (const key of await service.rooms()) {
    const v = await service.inspect(key);
    if (!v) continue;
    let c = out.get(key.appId);
    if (!c) out.set(key.appId, (c = { rooms: 0, visible: 0, invisible: 0, streams: 0, subscriptions: 0 }));
    const visible = v.members.filter((m) => m.visible).length;
    c.rooms++;
    c.visible += visible;
    c.invisible += v.members.length - visible;
    c.streams += v.streams.length;
    c.subscriptions += v.subscriptions.length;
  }
  return out;
}
