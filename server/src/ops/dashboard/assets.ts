// The dashboard's files: our page, script and style next to this module, uPlot's built files
// from the server package's own dependency. Read once, served from memory.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { PLAYER_CODES, PUSHER_CODES } from './wechat-codes.js';

export interface Asset {
  type: string;
  body: Buffer;
}

const here = (name: string): Buffer => readFileSync(new URL(`./${name}`, import.meta.url));

let cache: { login: Buffer; assets: Map<string, Asset> } | undefined;

export function dashboardAssets(): { login: Buffer; assets: Map<string, Asset> } {
  if (cache) return cache;
  const require = createRequire(import.meta.url);
  const uplot = (file: string): Buffer => readFileSync(require.resolve(`uplot/dist/${file}`));
  const js = 'text/javascript; charset=utf-8';
  const css = 'text/css; charset=utf-8';
  const assets = new Map<string, Asset>([
    ['', { type: 'text/html; charset=utf-8', body: here('index.html') }],
    ['app.js', { type: js, body: here('app.js') }],
    ['app.css', { type: css, body: here('app.css') }],
    ['uplot.js', { type: js, body: uplot('uPlot.iife.min.js') }],
    ['uplot.css', { type: css, body: uplot('uPlot.min.css') }],
    ['codes.json', { type: 'application/json; charset=utf-8', body: Buffer.from(JSON.stringify({ pusher: PUSHER_CODES, player: PLAYER_CODES })) }],
  ]);
  cache = { login: here('login.html'), assets };
  return cache;
}
