// The heartbeat's fast path. Every connected client pings every 5 s, so a server holding many
// idle sockets spends most of its frame handling on pings: the ping as the SDK writes it is
// recognized from its bytes and answered by turning those bytes into the pong, with no decoding,
// parsing or serializing. Any other spelling of a ping takes the general path (parseFrame).

const HEAD = Buffer.from('{"v":1,"type":"ping","t":');
/** Where `ping` has its `i`; `o` there makes the pong. */
const I_OF_PING = HEAD.indexOf('ping') + 1;
/** Longest `t` taken: any integer of up to 15 digits reads back as the same digits. */
const MAX_DIGITS = 15;
const ZERO = 0x30;
const NINE = 0x39;
const CLOSE_BRACE = 0x7d;

/**
 * True when the frame is exactly `{"v":1,"type":"ping","t":N}`, N a non-negative integer as JSON
 * writes it (no sign, fraction, exponent or leading zero) of at most 15 digits. parseFrame reads
 * such a frame as a ping with t = N, and the pong it sends writes N with the same digits.
 */
export function isPlainPing(bytes: Uint8Array): boolean {
  const n = bytes.length;
  const digits = n - HEAD.length - 1;
  if (digits < 1 || digits > MAX_DIGITS || bytes[n - 1] !== CLOSE_BRACE) return false;
  for (let i = 0; i < HEAD.length; i++) if (bytes[i] !== HEAD[i]) return false;
  if (digits > 1 && bytes[HEAD.length] === ZERO) return false;
  for (let i = HEAD.length; i < n - 1; i++) {
    const b = bytes[i]!;
    if (b < ZERO || b > NINE) return false;
  }
  return true;
}

/**
 * The pong to a plain ping (see isPlainPing) as a whole WebSocket frame, ready for the TCP socket:
 * an unmasked text frame (RFC 6455 5.2) whose payload is the ping's bytes with `ping` made `pong`:
 * `{"v":1,"type":"pong","t":N}`, N the same digits.
 */
export function pongFrame(ping: Uint8Array): Buffer {
  const n = ping.length; // at most 41: a one-byte length
  const frame = Buffer.allocUnsafe(n + 2);
  frame[0] = 0x81; // FIN, text
  frame[1] = n;
  frame.set(ping, 2);
  frame[2 + I_OF_PING] = 0x6f; // 'o'
  return frame;
}
