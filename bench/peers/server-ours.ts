// Our signaling server in its own process, as `serve` runs it but with the per-address limits
// lifted (every bench client comes from 127.0.0.1, and a join+leave loop sends far more than a
// person would). The limits are still checked on every frame. argv[2]: resume grace in ms.
import { startServer } from '../../server/src/index.js';
import { APP_ID, APP_KEY, serveControl } from './server-common.js';

const server = await startServer({
  port: 0,
  host: '127.0.0.1',
  apps: { [APP_ID]: APP_KEY },
  joinRateLimit: { max: 1e9, windowMs: 1000 },
  messageRate: { perSecond: 1e9, burst: 1e9 },
  // A join+leave loop sends ~100 KB/s per socket: the default byte rate would pause its reading.
  byteRate: { perSecond: 1e12, burst: 1e12 },
  maxSocketsPerAddress: 1e6,
  maxSockets: 1e6,
  ...(process.argv[2] ? { resumeGraceMs: Number(process.argv[2]) } : {}),
});
serveControl(server.url, () => server.close());
