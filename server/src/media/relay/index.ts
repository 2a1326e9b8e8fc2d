export { RelayMediaPlane, type PlayUrls } from './relay-plane.js';
export type { RelayConfig } from './config.js';
