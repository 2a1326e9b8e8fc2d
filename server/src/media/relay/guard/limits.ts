// The guard's limits, with their defaults. Every one of them is a RelayMediaPlane option and a
// `serve` flag (docs/media.md lists them).

export interface GuardLimits {
  /** Time for the RTMP handshake (C0, C1, C2) from accept. */
  handshakeTimeoutMs: number;
  /** Time from the end of the handshake to a valid `connect`. */
  firstCommandTimeoutMs: number;
  /** Time from the end of the handshake until a publish or play was accepted. */
  startTimeoutMs: number;
  /** A connection with no traffic either way for this long is closed. */
  idleTimeoutMs: number;
  /** Open RTMP + HTTP-FLV connections from one address. */
  maxConnectionsPerAddress: number;
  /** Open RTMP + HTTP-FLV connections in total. */
  maxConnections: number;
  /** Largest length an audio or video chunk header may declare. */
  maxMessageBytes: number;
  /** Largest command or data message. */
  maxCommandBytes: number;
  /** Most chunk-stream ids one RTMP connection may use. */
  maxChunkStreams: number;
  /** Sum of the largest declared message length over one connection's chunk streams. */
  maxDeclaredBytes: number;
  /** Audio + video bytes a publisher may send between two video keyframes (the library caches them). */
  maxGopBytes: number;
  /** Bytes the guard holds for a connection while its publish/play is being authorised. */
  maxPendingBytes: number;
  /** Bytes queued towards one slow client before it is dropped. */
  maxOutboundBacklogBytes: number;
  /** Bytes a WebSocket-FLV player may send in total (players only send control frames). */
  maxPlayerInboundBytes: number;
}

export const DEFAULT_GUARD_LIMITS: GuardLimits = {
  handshakeTimeoutMs: 5_000,
  firstCommandTimeoutMs: 5_000,
  startTimeoutMs: 10_000,
  idleTimeoutMs: 30_000,
  maxConnectionsPerAddress: 32,
  maxConnections: 1_024,
  maxMessageBytes: 2 * 1024 * 1024,
  maxCommandBytes: 16 * 1024,
  maxChunkStreams: 16,
  maxDeclaredBytes: 4 * 1024 * 1024,
  maxGopBytes: 32 * 1024 * 1024,
  maxPendingBytes: 256 * 1024,
  maxOutboundBacklogBytes: 8 * 1024 * 1024,
  maxPlayerInboundBytes: 64 * 1024,
};

export function resolveGuardLimits(given: Partial<GuardLimits> = {}): GuardLimits {
  const out = { ...DEFAULT_GUARD_LIMITS };
  for (const key of Object.keys(DEFAULT_GUARD_LIMITS) as Array<keyof GuardLimits>) {
    const v = given[key];
    if (v === undefined) continue;
    if (!Number.isInteger(v) || v < 1 || v > 2_147_483_647) {
      throw new Error(`relay guard limit ${key} must be a whole number from 1 to 2147483647, got ${String(v)}`);
    }
    out[key] = v;
  }
  if (out.maxDeclaredBytes < out.maxMessageBytes) throw new Error('relay guard limit maxDeclaredBytes must be at least maxMessageBytes');
  return out;
}

/** Counts open connections per address and in total. */
export class ConnectionCounter {
  private readonly perAddress = new Map<string, number>();
  private total = 0;

  constructor(private readonly limits: Pick<GuardLimits, 'maxConnections' | 'maxConnectionsPerAddress'>) {}

  /** A release function, or null when the address or the whole guard is at its limit. */
  acquire(address: string): (() => void) | null {
    const mine = this.perAddress.get(address) ?? 0;
    if (this.total >= this.limits.maxConnections || mine >= this.limits.maxConnectionsPerAddress) return null;
    this.perAddress.set(address, mine + 1);
    this.total += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total -= 1;
      const n = (this.perAddress.get(address) ?? 1) - 1;
      if (n <= 0) this.perAddress.delete(address);
      else this.perAddress.set(address, n);
    };
  }

  get open(): number {
    return this.total;
  }
}
