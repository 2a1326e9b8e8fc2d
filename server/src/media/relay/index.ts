export { RelayMediaPlane, type PlayUrls, type RelayEvent } from './relay-plane.js';
export type { RelayConfig } from './config.js';
export { DEFAULT_GUARD_LIMITS, type GuardLimits } from './guard/limits.js';
