// A real server with its admin port open (admin API, dashboard, metrics), and a small HTTP
// helper around fetch for the admin routes.
import type { ServerConfig } from '../../src/config.js';
import type { AdminConfig } from '../../src/ops/config.js';
import { serve } from '../support/server.js';

export const SECRET = 'ops-test-secret-0123456789';

export async function serveWithAdmin(over: Partial<ServerConfig> = {}, admin: Partial<AdminConfig> = {}) {
  const s = await serve({ ...over, admin: { port: 0, secret: SECRET, metrics: true, ...admin } });
  if (!s.server.admin) throw new Error('the admin port did not open');
  const base = s.server.admin.url.replace(/\/$/, '');
  return { ...s, base, http: (method: string, path: string, o: HttpOptions = {}) => http(base, method, path, o) };
}

export interface HttpOptions {
  /** Bearer secret; default SECRET. null: no Authorization header. */
  auth?: string | null;
  cookie?: string;
  body?: unknown;
  /** Sent as is (a form, raw text) instead of JSON. */
  raw?: string;
  headers?: Record<string, string>;
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

export async function http(base: string, method: string, path: string, o: HttpOptions = {}): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...(o.headers ?? {}) };
  const auth = o.auth === undefined ? SECRET : o.auth;
  if (auth !== null) headers.authorization = `Bearer ${auth}`;
  if (o.cookie) headers.cookie = o.cookie;
  let body: string | undefined;
  if (o.raw !== undefined) body = o.raw;
  else if (o.body !== undefined) {
    body = JSON.stringify(o.body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(base + path, { method, headers, ...(body === undefined ? {} : { body }), redirect: 'manual' });
  const text = await res.text();
  let json: any = undefined;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Logs in through the dashboard's form; returns the cookie pair to send back. */
export async function login(base: string, secret = SECRET): Promise<{ cookie: string; setCookie: string }> {
  const r = await http(base, 'POST', '/dashboard/login', {
    auth: null,
    raw: `secret=${encodeURIComponent(secret)}`,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  const setCookie = r.headers.get('set-cookie') ?? '';
  if (r.status !== 303 || !setCookie) throw new Error(`login failed: ${r.status}`);
  return { cookie: setCookie.split(';')[0]!, setCookie };
}
