// The Redis key layout. Everything about one room (its record, its members' sessions and their
// event rings) carries the hash tag {appId:roomId}, so in a Redis Cluster it lives in one slot and
// one Lua script may touch it all. Indexes that span rooms (the app's room list, a node's
// sessions, the parked queue) are keys of their own; they are only ever touched one key at a time.
import type { RoomKey } from '../rooms/model.js';

export const PREFIX = 'mprtc:';

/** Ids may hold any character: escape the ones that would end or split the tag. */
const esc = (s: string): string => s.replace(/[%{}:]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());

/** `{appId:roomId}`: the hash tag every key of the room carries. */
export const roomTag = (k: RoomKey): string => `{${esc(k.appId)}:${esc(k.roomId)}}`;

export const keys = {
  /** hash { v: write id (compare-and-set token), d: the RoomRecord as JSON } */
  room: (k: RoomKey): string => `${PREFIX}${roomTag(k)}:room`,
  /** hash { n: node holding it ('' parked, '#' reaped), th: sha256(resumeToken), u, x, q: last seq, k: kicked, pk: park count } */
  session: (k: RoomKey, sid: string): string => `${PREFIX}${roomTag(k)}:s:${sid}`,
  /** list of the session's recent event frames, oldest first */
  ring: (k: RoomKey, sid: string): string => `${PREFIX}${roomTag(k)}:r:${sid}`,
  /** list of the session's recent answers, JSON [requestId, answer]: a request resent on another node is answered, not applied again */
  answers: (k: RoomKey, sid: string): string => `${PREFIX}${roomTag(k)}:a:${sid}`,
  /** set of room ids of one app (pruned lazily by list()) */
  appRooms: (appId: string): string => `${PREFIX}rooms:{${esc(appId)}}`,
  /** string: JSON [appId, roomId] of a session, so a resume on any node finds its room */
  locator: (sid: string): string => `${PREFIX}sid:${sid}`,
  /** string with a TTL: the node is alive while it exists */
  alive: (nodeId: string): string => `${PREFIX}node:${nodeId}:alive`,
  /** set: ids of nodes that registered and were not yet found dead */
  nodes: `${PREFIX}nodes`,
  /** set of JSON [appId, roomId, sid]: the sessions a node holds (reaped from when it dies) */
  nodeSessions: (nodeId: string): string => `${PREFIX}node:${nodeId}:sessions`,
  /** set of JSON [appId, roomId, userId, screen]: streams pushed to a node's in-process relay */
  nodeStreams: (nodeId: string): string => `${PREFIX}node:${nodeId}:streams`,
  /** string, NX: who handles a dead node (exactly one survivor) */
  deadClaim: (nodeId: string): string => `${PREFIX}node:${nodeId}:dead`,
  /** zset: sessions waiting for a resume; score = when the grace period ends (Unix ms) */
  parked: `${PREFIX}parked`,
  /** pub/sub channel: events and kicks for the sessions one node holds */
  channel: (nodeId: string): string => `${PREFIX}to:${nodeId}`,
};
