// Frames sent to one socket during one turn of the event loop leave in one write: they are
// collected, and once the turn's I/O callbacks and their microtasks have run (setImmediate) each
// socket's frames are framed into one buffer. About half of a busy server's CPU was the kernel's
// write of each frame (bench/README.md), and a member of an active room gets several per turn.
//
// The frames are written to the TCP socket under ws, as ws itself would write them: unmasked
// text frames (RFC 6455 5.2), no extension (the server turns permessage-deflate off). ws writes
// only control frames (close, pong) itself; whoever closes flushes its socket's batch first.
import type { Socket } from 'node:net';

/** A socket whose frames are batched: it holds them until flushed. */
export interface Outbox {
  /** Frames not yet written, or null when none wait (the outbox is not queued). */
  outgoing: string[] | null;
  /** Writes the pending frames now. */
  flush(): void;
}

/** Outboxes whose first frame this turn answers a request: the requester waits on it. */
let answering: Outbox[] = [];
let queued: Outbox[] = [];
/**
 * Outboxes first filled after beforeAudience(), while the same operation goes on: a room's
 * invisible members. They are written after everyone else, AUDIENCE_SLICE sockets per turn, so a
 * thousand of them never hold up the next turn's answers and visible members.
 */
let audience: Outbox[] = [];
let audienceAt = 0;
/** True from beforeAudience() to the end of the operation that called it (a microtask later). */
let forAudience = false;
/**
 * The outboxes beforeAudience() wrote during that operation: a later event of the same operation
 * (a publisher's leave: stream-removed, then peer-leave) reaches them before the audience again.
 */
let wrote = new Set<Outbox>();
let scheduled = false;
const AUDIENCE_SLICE = 128;
/**
 * Requests read this turn. The answer to the only one goes out at once, and with it the frames
 * its request made for others (queued by then): with nothing else read, there is nothing to batch
 * them with, and waiting for the turn's end cost the room's members ~20 us per event (the rest of
 * the read callbacks and the microtasks first; bench/README.md). A busy turn (several requests) batches as above.
 * Which goes first is the caller's choice (`othersFirst`): a join's or leave's answer, which the
 * client waits on to go on, before the room's announcements; a mute's after the room heard it (the
 * last of 19 members hears it one answer's write and read sooner, the muter waits that much longer).
 */
let requests = 0;

/** The signaling socket read a request this turn (pings are answered on their own). */
export function noteRequest(): void {
  requests++;
  schedule();
}

/** Writes the answers' and the visible members' outboxes now (the turn's end does it otherwise). */
export function flushAll(): void {
  const first = answering;
  const boxes = queued;
  answering = [];
  queued = [];
  for (const b of first) b.flush();
  // In the order of their first frame this turn: a room's visible members before its audience.
  for (const b of boxes) b.flush();
  forget();
}

/**
 * Called by the room service before the first event of an operation that goes to an invisible
 * member: what the visible members were sent is written at once, and the frames of the rest of
 * this operation (its audience) wait behind everyone else's.
 */
export function beforeAudience(): void {
  for (const b of answering) wrote.add(b);
  for (const b of queued) wrote.add(b);
  flushAll();
  if (forAudience) return;
  forAudience = true;
  // The room service applies an operation's effects in one synchronous run: the audience ends
  // with it, at the latest once the current task's synchronous work is done.
  queueMicrotask(afterAudience);
}

/** Called by the room service after an operation's audience events: later frames are not theirs. */
export function afterAudience(): void {
  forAudience = false;
  if (wrote.size > 0) wrote = new Set();
}

function flushAtTurnEnd(): void {
  scheduled = false;
  requests = 0;
  flushAll();
  const end = Math.min(audienceAt + AUDIENCE_SLICE, audience.length);
  for (let i = audienceAt; i < end; i++) audience[i]!.flush();
  audienceAt = end;
  forget();
  if (audienceAt < audience.length) schedule();
  else {
    audience = [];
    audienceAt = 0;
  }
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  setImmediate(flushAtTurnEnd);
}

/** Adds a frame to the outbox; its batch is written at the end of this turn. */
export function enqueueFrame(box: Outbox, text: string, answer = false, othersFirst = false): void {
  if (box.outgoing) {
    box.outgoing.push(text);
    return;
  }
  box.outgoing = [text];
  if (answer && requests === 1) {
    if (othersFirst) flushAll();
    box.flush();
    if (!othersFirst) flushAll();
    return;
  }
  (answer ? answering : forAudience && !wrote.has(box) ? audience : queued).push(box);
  schedule();
}

/**
 * The last lone frame written and its bytes. The recipients of one room event get the very same
 * string (room-log.ts), one after another: it is framed once and the same Buffer written to each.
 * Forgotten at the end of each flush, so no frame is kept alive past its turn.
 */
let lastText: string | undefined;
let lastBuf: Buffer | undefined;
function forget(): void {
  lastText = undefined;
  lastBuf = undefined;
}

/** Writes text frames to the socket in one write. */
export function writeFrames(socket: Socket, frames: readonly string[]): void {
  if (frames.length === 1) {
    const text = frames[0]!;
    if (text !== lastText || lastBuf === undefined) {
      lastBuf = frame(frames);
      lastText = text;
    }
    socket.write(lastBuf);
  } else socket.write(frame(frames));
}

/** Text frames, unmasked, one after another in one buffer. */
function frame(frames: readonly string[]): Buffer {
  let total = 0;
  const sizes: number[] = new Array(frames.length);
  for (let i = 0; i < frames.length; i++) {
    const n = Buffer.byteLength(frames[i]!);
    sizes[i] = n;
    total += headerSize(n) + n;
  }
  const buf = Buffer.allocUnsafe(total);
  let at = 0;
  for (let i = 0; i < frames.length; i++) {
    const n = sizes[i]!;
    buf[at++] = 0x81; // FIN, text
    if (n < 126) buf[at++] = n;
    else if (n < 0x10000) {
      buf[at++] = 126;
      buf.writeUInt16BE(n, at);
      at += 2;
    } else {
      buf[at++] = 127;
      buf.writeUInt32BE(Math.floor(n / 0x100000000), at);
      buf.writeUInt32BE(n >>> 0, at + 4);
      at += 8;
    }
    at += buf.write(frames[i]!, at);
  }
  return buf;
}

const headerSize = (n: number): number => (n < 126 ? 2 : n < 0x10000 ? 4 : 10);
