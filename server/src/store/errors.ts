// Redis being away, told apart from a request's own failure (no Redis client loaded here).

/** Thrown (or wrapped) when Redis cannot be reached or answered in time. */
export class StoreUnavailable extends Error {
  override readonly name = 'StoreUnavailable';
}

/** True for an error that means "Redis is away", not "the request was wrong". */
export function isUnavailable(e: unknown): boolean {
  if (e instanceof StoreUnavailable) return true;
  if (!(e instanceof Error)) return false;
  return (
    e.name === 'MaxRetriesPerRequestError' ||
    /enableOfflineQueue|Connection is closed|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|LOADING|Command timed out|Stream isn't writeable/i.test(e.message)
  );
}
