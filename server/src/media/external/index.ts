export { ExternalRelayPlane } from './external-plane.js';
export type { ExternalRelayConfig, Dialect } from './config.js';
export { nginxRtmp } from './nginx-rtmp.js';
export { srs } from './srs.js';
export type { HookCall, HookAnswer, LiveSession, RelayDialect } from './dialect.js';
