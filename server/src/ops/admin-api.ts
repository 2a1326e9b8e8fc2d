// The admin API's routes under /admin/api: list apps and rooms, inspect a room, remove a user,
// close a room, mint a token for testing, read a room's reports. The caller is authenticated
// before any of this runs (ops/server.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isId } from '@mprtc/protocol';
import type { ReportQuery, StoredReport } from '../reports/store.js';
import type { RoomService } from '../rooms/service.js';
import { generateToken } from '../token/index.js';
import type { ServerEvents } from './events.js';
import { HttpError, readJson, sendJson } from './http.js';

/** Where reports are read; a shared (Redis) store may answer asynchronously. */
export interface ReportSource {
  query(q: ReportQuery): StoredReport[] | Promise<StoredReport[]>;
}

export interface AdminContext {
  apps: Map<string, string>;
  rooms: RoomService;
  reports: ReportSource;
  events: ServerEvents;
  maxBodyBytes: number;
  /** Report items kept per user: the dashboard says so. */
  reportsPerUser: number;
}

/** Longest lifetime of a token minted here: it is for testing, not for handing out. */
const MAX_TOKEN_TTL_S = 7 * 86_400;

/** Handles a request under /admin/api (segments after it, already decoded). */
export async function adminApi(
  ctx: AdminContext,
  req: IncomingMessage,
  res: ServerResponse,
  parts: string[],
  ip: string,
  query: URLSearchParams,
): Promise<void> {
  const m = req.method ?? 'GET';
  const [a, appId, b, roomId, c, userId, ...rest] = parts;
  const audit = (action: string, fields: { appId?: string; roomId?: string; userId?: string }, ok = true, err?: HttpError): void =>
    ctx.events.emit({ type: 'admin', action, ok, ip, ...fields, ...(err ? { code: err.code, reason: err.reason } : {}) });

  if (a === 'apps' && appId === undefined && m === 'GET') return listApps(ctx, res);
  if (a === 'tokens' && appId === undefined && m === 'POST') {
    const body = await readJson(req, ctx.maxBodyBytes);
    const out = mint(ctx, body);
    audit('mint-token', { appId: out.appId, roomId: out.roomId, userId: out.userId });
    return sendJson(res, 201, { token: out.token, expireAt: out.expireAt });
  }
  if (a !== 'apps' || appId === undefined || b !== 'rooms' || rest.length > 0) throw notFound();
  if (!ctx.apps.has(appId)) throw new HttpError(404, 'APP_NOT_FOUND', 'no such app');
  if (roomId === undefined) {
    if (m !== 'GET') throw methodNotAllowed();
    return listRooms(ctx, res, appId);
  }
  if (!isId(roomId)) throw new HttpError(400, 'BAD_REQUEST', 'the room id is not a valid id');
  const key = { appId, roomId };
  if (c === undefined) {
    if (m === 'GET') {
      const view = await ctx.rooms.inspect(key);
      if (!view) throw new HttpError(404, 'ROOM_NOT_FOUND', 'no such room (a room exists while it has members)');
      return sendJson(res, 200, view);
    }
    if (m === 'DELETE') {
      const view = await ctx.rooms.inspect(key);
      if (!view) {
        const e = new HttpError(404, 'ROOM_NOT_FOUND', 'no such room (a room exists while it has members)');
        audit('close-room', key, false, e);
        throw e;
      }
      const kicked: string[] = [];
      for (const member of view.members) {
        const r = await ctx.rooms.kick(key, member.userId, 'the room was closed by an administrator');
        if (r.ok) kicked.push(member.userId);
      }
      audit('close-room', key);
      return sendJson(res, 200, { closed: true, kicked });
    }
    throw methodNotAllowed();
  }
  if (c === 'reports' && userId === undefined) {
    if (m !== 'GET') throw methodNotAllowed();
    return reports(ctx, res, appId, roomId, query);
  }
  if (c === 'members' && userId !== undefined) {
    if (m !== 'DELETE') throw methodNotAllowed();
    if (!isId(userId)) throw new HttpError(400, 'BAD_REQUEST', 'the user id is not a valid id');
    const r = await ctx.rooms.kick(key, userId, 'removed by an administrator');
    if (!r.ok) {
      const e = new HttpError(404, 'USER_NOT_FOUND', 'no such user in this room');
      audit('remove-user', { ...key, userId }, false, e);
      throw e;
    }
    audit('remove-user', { ...key, userId });
    return sendJson(res, 200, { kicked: userId });
  }
  throw notFound();
}

const notFound = (): HttpError => new HttpError(404, 'NOT_FOUND', 'no such route');
const methodNotAllowed = (): HttpError => new HttpError(405, 'METHOD_NOT_ALLOWED', 'this route does not take that method');

async function listApps(ctx: AdminContext, res: ServerResponse): Promise<void> {
  const counts = new Map<string, number>([...ctx.apps.keys()].map((k) => [k, 0]));
  for (const k of await ctx.rooms.rooms()) counts.set(k.appId, (counts.get(k.appId) ?? 0) + 1);
  sendJson(res, 200, { apps: [...counts].map(([appId, rooms]) => ({ appId, rooms })) });
}

async function listRooms(ctx: AdminContext, res: ServerResponse, appId: string): Promise<void> {
  const out = [];
  for (const key of await ctx.rooms.rooms(appId)) {
    const v = await ctx.rooms.inspect(key);
    if (!v) continue;
    const visible = v.members.filter((x) => x.visible).length;
    out.push({
      roomId: v.roomId,
      members: v.members.length,
      visible,
      invisible: v.members.length - visible,
      streams: v.streams.length,
      subscriptions: v.subscriptions.length,
    });
  }
  out.sort((x, y) => (x.roomId < y.roomId ? -1 : x.roomId > y.roomId ? 1 : 0));
  sendJson(res, 200, { appId, rooms: out });
}

function mint(ctx: AdminContext, body: Record<string, unknown>): { token: string; expireAt: number; appId: string; roomId: string; userId: string } {
  const { appId, roomId, userId } = body;
  if (typeof appId !== 'string' || !ctx.apps.has(appId)) throw new HttpError(400, 'BAD_REQUEST', 'appId must name a configured app');
  if (!isId(roomId) || !isId(userId)) throw new HttpError(400, 'BAD_REQUEST', 'roomId and userId must be ids (1 to 128 of a-z A-Z 0-9 _ @ - .)');
  const ttl = body.ttlSeconds ?? 3600;
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TOKEN_TTL_S) {
    throw new HttpError(400, 'BAD_REQUEST', `ttlSeconds must be an integer from 1 to ${MAX_TOKEN_TTL_S}`);
  }
  for (const k of ['publish', 'subscribe'] as const) {
    if (body[k] !== undefined && typeof body[k] !== 'boolean') throw new HttpError(400, 'BAD_REQUEST', `${k} must be a boolean`);
  }
  const known = new Set(['appId', 'roomId', 'userId', 'ttlSeconds', 'publish', 'subscribe']);
  const stray = Object.keys(body).find((k) => !known.has(k));
  if (stray) throw new HttpError(400, 'BAD_REQUEST', `unknown field ${JSON.stringify(stray.slice(0, 64))}`);
  const expireAt = Math.floor(Date.now() / 1000) + ttl;
  const token = generateToken({
    appId,
    appKey: ctx.apps.get(appId)!,
    roomId,
    userId,
    expireAt,
    publishExpireAt: body.publish === false ? null : expireAt,
    subscribeExpireAt: body.subscribe === false ? null : expireAt,
  });
  return { token, expireAt, appId, roomId, userId };
}

/** Report items of one room grouped per reporting user, stream and side, oldest first. */
async function reports(ctx: AdminContext, res: ServerResponse, appId: string, roomId: string, query: URLSearchParams): Promise<void> {
  const limitParam = query.get('limit');
  const limit = limitParam === null ? 300 : Number(limitParam);
  if (!Number.isInteger(limit) || limit < 1 || limit > 5000) throw new HttpError(400, 'BAD_REQUEST', 'limit must be an integer from 1 to 5000');
  const groups = new Map<string, { userId: string; streamUid: string; side: 'pusher' | 'player'; net: unknown[]; states: unknown[] }>();
  for (const r of await ctx.reports.query({ appId, roomId })) {
    const side = r.item.kind === 'pusherState' || r.item.kind === 'pusherNet' ? 'pusher' : 'player';
    const id = `${r.userId}\n${r.streamUid}\n${side}`;
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { userId: r.userId, streamUid: r.streamUid, side, net: [], states: [] }));
    const it = r.item;
    if (it.kind === 'pusherNet' || it.kind === 'playerNet') g.net.push({ at: it.at, receivedAt: r.receivedAt, info: it.info });
    else g.states.push({ at: it.at, receivedAt: r.receivedAt, code: it.code, message: it.message });
  }
  const byAt = (x: unknown, y: unknown): number => (x as { at: number }).at - (y as { at: number }).at;
  const series = [...groups.values()].map((g) => ({ ...g, net: g.net.sort(byAt).slice(-limit), states: g.states.sort(byAt).slice(-limit) }));
  sendJson(res, 200, { appId, roomId, now: Date.now(), reportsPerUser: ctx.reportsPerUser, series });
}
