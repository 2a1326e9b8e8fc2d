// The address a client is counted by (join rate limit, sockets per address). Behind a proxy or
// TLS terminator every socket comes from the proxy, so the client's own address is taken from
// X-Forwarded-For, but only when the operator says a proxy is there: otherwise anyone could
// write any address into the header and pick their own limits.
import { isIP } from 'node:net';

/**
 * false: the socket's address. A number n (true = 1): the last n hops are proxies of ours; the
 * client is the address n entries from the right of [...X-Forwarded-For, socket address]. A list:
 * those proxy addresses are trusted; the client is the rightmost address not in the list.
 */
export type TrustProxy = boolean | number | readonly string[];

/** IPv4-mapped IPv6 (::ffff:10.0.0.1) is the IPv4 address; a port some proxies append is dropped. */
function normal(addr: string): string {
  let a = addr.trim().toLowerCase();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(a);
  if (bracketed) a = bracketed[1]!;
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(a)) a = a.slice(0, a.lastIndexOf(':'));
  return a.startsWith('::ffff:') && isIP(a.slice(7)) === 4 ? a.slice(7) : a;
}

/** At most this many header entries are looked at (the rightmost). */
const MAX_HOPS = 32;

export function clientAddress(socketAddr: string | undefined, forwarded: string | string[] | undefined, trust: TrustProxy): string {
  const peer = normal(socketAddr ?? 'unknown');
  if (trust === false || trust === 0 || forwarded === undefined) return peer;
  const header = Array.isArray(forwarded) ? forwarded.join(',') : forwarded;
  // Read from the right: the entries our proxies appended; what the client wrote is on the left.
  const hops = header
    .slice(-MAX_HOPS * 64)
    .split(',')
    .slice(-MAX_HOPS)
    .map(normal)
    .filter((a) => a.length > 0);
  if (Array.isArray(trust)) {
    const trusted = new Set(trust.map(normal));
    let addr = peer;
    while (trusted.has(addr) && hops.length > 0) addr = hops.pop()!;
    return isIP(addr) ? addr : peer;
  }
  const n = trust === true ? 1 : (trust as number);
  const chain = [...hops, peer];
  const addr = chain[Math.max(0, chain.length - 1 - n)]!;
  // A malformed entry cannot come from our proxies: count the socket's address instead.
  return isIP(addr) ? addr : peer;
}

/**
 * The key an address is counted under by the per-address limits: an IPv4 address itself, an IPv6
 * address by its /64 (one subscriber usually holds a whole /64, so single addresses cost nothing).
 */
export function limitKey(addr: string): string {
  if (isIP(addr) !== 6) return addr;
  const [head = '', tail = ''] = addr.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  // An embedded IPv4 tail (::1.2.3.4) stands for two groups; only the first four groups matter.
  const missing = 8 - left.length - right.length - (right.some((g) => g.includes('.')) ? 1 : 0);
  const groups = addr.includes('::') ? [...left, ...Array<string>(Math.max(0, missing)).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/** Checks a configured value; throws a TypeError naming the problem. */
export function checkTrustProxy(v: unknown): TrustProxy {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_HOPS) return v;
  if (Array.isArray(v) && v.every((a) => typeof a === 'string' && isIP(normal(a)) !== 0)) return v.map((a: string) => normal(a));
  throw new TypeError(`trustProxy must be true, false, a hop count of 0 to ${MAX_HOPS}, or a list of proxy IP addresses`);
}
