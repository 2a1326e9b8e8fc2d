// Wraps the handling of one signaling request so its outcome and time reach the operators'
// event bus. Only named fields are copied out of the request: the token and the resume secret
// it may carry are never looked at.
import { CODES, type Failure } from '../codes.js';
import type { ServerEvents } from './events.js';

export interface Who {
  appId: string;
  roomId: string;
  userId: string;
}

// The shape of signaling's Answer (the response frame's, nested `error`), not a Result.
type AnswerLike = { ok: true } | { ok: false; error: Failure };

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/**
 * `work` timed and reported as a 'request' event. `req` is the parsed request (null for a frame
 * refused before parsing); `who` names the session the socket holds once the work is done.
 */
export function observed<A extends AnswerLike>(
  events: ServerEvents | undefined,
  ip: string,
  req: { type: string } | null,
  who: () => Who | undefined,
  work: () => A | Promise<A>,
): () => A | Promise<A> {
  // Nobody listening (no logger, no metrics): the request runs as is, at no cost.
  if (!events || !events.active) return work;
  return async () => {
    const t0 = performance.now();
    // Whom the socket was before (a leave) or after (a resume) the work.
    const before = who();
    const emit = (ok: boolean, code?: number, reason?: string): void => {
      const r = (req ?? {}) as Record<string, unknown>;
      // A join names its room in the request; everything else acts on the socket's session.
      const w: Partial<Who> = req?.type === 'join' ? { appId: str(r.appId), roomId: str(r.roomId), userId: str(r.userId) } : (who() ?? before ?? {});
      events.emit({
        type: 'request',
        request: req?.type ?? 'invalid',
        ok,
        ...(code === undefined ? {} : { code, reason: reason ?? '' }),
        ms: performance.now() - t0,
        ip,
        ...(w.appId === undefined ? {} : { appId: w.appId }),
        ...(w.roomId === undefined ? {} : { roomId: w.roomId }),
        ...(w.userId === undefined ? {} : { userId: w.userId }),
        ...(typeof r.screen === 'boolean' ? { screen: r.screen } : {}),
        ...(req?.type !== 'join' && typeof r.userId === 'string' ? { target: r.userId } : {}),
      });
    };
    let answer: A;
    try {
      answer = await work();
    } catch (e) {
      emit(false, CODES.SERVER_ERROR, 'the server failed to handle the request');
      throw e;
    }
    if (answer.ok) emit(true);
    else emit(false, answer.error.code, answer.error.reason);
    return answer;
  };
}
