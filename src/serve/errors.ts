// A client error: an HTTP status, and the field of the request that is wrong.
// The handler answers it as {"error": message, "field": field}.

export class HttpError extends Error {
  override name = 'HttpError';
  constructor(readonly status: number, message: string, readonly field: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

/** A bad option or upstream config, found when the handler is built. */
export class ServeConfigError extends Error {
  override name = 'ServeConfigError';
  constructor(readonly field: string, readonly detail: string) {
    super(`${field}: ${detail}`);
  }
}
