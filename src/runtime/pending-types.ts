// TEMPORARY: stands in for src/generated/* and src/runtime/errors.ts until they land.
// Removed as soon as the real modules exist; nothing outside src/runtime imports it.

export interface VolcEngineRTCError {
  code: number;
  reason: string;
}

class PendingRtcError extends Error implements VolcEngineRTCError {
  constructor(readonly code: number, readonly reason: string) {
    super(reason);
  }
}

export function rtcError(code: number, reason: string): VolcEngineRTCError {
  return new PendingRtcError(code, reason);
}

export const ERROR_CODES = {
  INVALID_PARAMS: 100001,
  NOT_IN_ROOM: 100002,
  ALREADY_IN_ROOM: 100003,
  CONNECTING: 100004,
  ALREADY_PUBLISHED: 100005,
  NOT_PUBLISHED: 100006,
  UID_NOT_FOUND: 100007,
  HAS_INITED: 100008,
  NOT_LOGIN: 100009,
  NO_SERVER_PARAM: 100010,
  NOT_INITED: 100011,
  CLIENT_DESTROYED: 100012,
  LEAVING: 100013,
  STREAM_ID_NOT_FOUND: 200001,
  GET_CONFIG_ERROR: 200002,
  NO_WEBSOCLET_URL: 200003,
  LOGIN_FAILED: 200004,
  PROTOCOL_ERROR: 200005,
  RATE_LIMITED: 200006,
  SERVER_ERROR: 200007,
  INTERNAL_ERROR: 200008,
  SUBSCRIBE_FAILED: 300001,
  UNSUBSCRIBE_FAILED: 300002,
  MUTE_LOCAL_ERROR: 300003,
  MUTE_REMOTE_ERROR: 300004,
  LEAVE_ERROR: 300005,
  NOT_SUBSCRIBED: 300006,
  STREAM_NOT_PUBLISHED: 300007,
  TOKEN_INVALID: 400001,
  TOKEN_EXPIRED: 400002,
  TOKEN_MISMATCH: 400003,
  NO_PUBLISH_PRIVILEGE: 400004,
  NO_SUBSCRIBE_PRIVILEGE: 400005,
  ROOM_FULL: 400006,
  PUBLISHER_LIMIT: 400007,
  INVISIBLE_LIMIT: 400008,
  INVISIBLE_CANNOT_PUBLISH: 400009,
  KICKED: 400010,
  APP_UNKNOWN: 400011,
  REQUEST_TIMEOUT: 500001,
  CONNECTION_LOST: 500002,
  CONNECTION_FAILED: 500003,
} as const;

export const EVENTS = {
  STREAM_ADDED: 'stream-added',
  STREAM_REMOVED: 'stream-removed',
  UPDATE_URL: 'update-url',
  STREAM_FAILED: 'stream-failed',
  MUTE_AUDIO: 'mute-audio',
  UNMUTE_AUDIO: 'unmute-audio',
  MUTE_VIDEO: 'mute-video',
  UNMUTE_VIDEO: 'unmute-video',
  PEER_ONLINE: 'peer-online',
  PEER_LEAVE: 'peer-leave',
  DISCONNECT: 'disconnect',
  CONNECTION_STATE_CHANGED: 'connection-state-changed',
  TOKEN_WILL_EXPIRE: 'token-will-expire',
  ERROR: 'error',
} as const;

export interface SubOptions { video?: boolean; audio?: boolean; screen?: boolean }
export interface UnsubscribeOptions { screen?: boolean }
export interface MuteLocalOptions { audio: boolean; video: boolean }
export interface MuteRemoteOptions { audio: boolean; video: boolean; screen?: boolean }
export interface WxMediaState { [key: string]: number }

export interface ClientRuntimeMethods {
  init(appId: string): Promise<void>;
  destroy(): Promise<void>;
  setBusinessId(businessId: string): Promise<boolean>;
  join(token: string, roomId: string, userId: string): Promise<string>;
  leave(): Promise<void>;
  publish(): Promise<string>;
  unpublish(): Promise<void>;
  subscribe(userId: string, options: SubOptions): Promise<string>;
  unsubscribe(userId: string, options: UnsubscribeOptions): Promise<void>;
  muteLocal(options: MuteLocalOptions): Promise<void>;
  muteRemote(userId: string, options: MuteRemoteOptions): Promise<void>;
  setUserVisibility(enable: boolean): Promise<void>;
  on(event: string, callback: (payload: any) => void): void;
  off(event: string, callback: (payload: any) => void): void;
  reportPusherStateChange(code: number, message: string): void;
  reportPusherNetStatusChange(info: WxMediaState): void;
  reportPlayerStateChange(uid: string, code: number, message: string): void;
  reportPlayerNetStatusChange(uid: string, info: WxMediaState): void;
}
