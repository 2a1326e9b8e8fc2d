// A real nginx with libnginx-mod-rtmp for the external relay tests: generated config in a temp
// dir, loopback ports, callbacks to the plane's hook URL, rtmp_control on an HTTP port. Missing
// nginx or the module fails the tests with the packages to install; nothing is skipped.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../src/media/relay/config.js';

const MODULE_CANDIDATES = ['/usr/lib/nginx/modules/ngx_rtmp_module.so', '/usr/share/nginx/modules/ngx_rtmp_module.so'];
const INSTALL_HINT = 'install them with: apt-get install -y --no-install-recommends nginx-light libnginx-mod-rtmp';

export interface NginxPorts {
  rtmp: number;
  http: number;
}

/** Free loopback ports, chosen before the plane is built (its URLs name them). */
export async function nginxPorts(): Promise<NginxPorts> {
  return { rtmp: await freePort('127.0.0.1'), http: await freePort('127.0.0.1') };
}

export function relayUrls(ports: NginxPorts, app: string): { rtmpBase: string; controlUrl: string } {
  return { rtmpBase: `rtmp://127.0.0.1:${ports.rtmp}/${app}`, controlUrl: `http://127.0.0.1:${ports.http}/control` };
}

export interface Nginx {
  errorLog(): string;
  stop(): Promise<void>;
}

function rtmpModule(): string {
  const probe = spawnSync('nginx', ['-v'], { encoding: 'utf8' });
  if (probe.error) throw new Error(`nginx is not installed (the external relay tests need nginx and libnginx-mod-rtmp); ${INSTALL_HINT}`);
  const found = MODULE_CANDIDATES.find((path) => existsSync(path));
  if (!found) throw new Error(`the nginx RTMP module (ngx_rtmp_module.so) is missing; ${INSTALL_HINT}`);
  return found;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startNginx(options: { ports: NginxPorts; app: string; hookUrl: string }): Promise<Nginx> {
  const module = rtmpModule();
  const dir = mkdtempSync(join(tmpdir(), 'mprtc-nginx-'));
  const errorLog = join(dir, 'error.log');
  const hook = options.hookUrl;
  const asRoot = process.getuid?.() === 0;
  const conf = `
load_module ${module};
${asRoot ? 'user root;' : ''}
worker_processes 1;
error_log ${errorLog} info;
events { worker_connections 512; }
rtmp {
  server {
    listen 127.0.0.1:${options.ports.rtmp};
    application ${options.app} {
      live on;
      on_publish ${hook};
      on_play ${hook};
      on_publish_done ${hook};
      on_play_done ${hook};
      notify_method post;
    }
  }
}
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${options.ports.http};
    location /control { rtmp_control all; }
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  const child: ChildProcess = spawn('nginx', ['-p', dir, '-e', errorLog, '-c', join(dir, 'nginx.conf'), '-g', `daemon off; pid ${join(dir, 'nginx.pid')};`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 10_000) stderr += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const readLog = () => (existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : '');

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      // SIGTERM: the master stops its worker too (SIGKILL would orphan it).
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    if ((await canConnect(options.ports.rtmp)) && (await canConnect(options.ports.http))) {
      return { errorLog: readLog, stop };
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const log = readLog();
  await stop();
  throw new Error(`nginx did not start: ${stderr.slice(-1000)} ${log.slice(-1000)}`);
}
