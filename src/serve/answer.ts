// A request as the handler reads it and an answer as plain parts, and the
// small helpers the routes write answers with.

/** What the handler reads of a request: a Request, or any object with these parts. */
export interface RequestLike {
  method: string;
  /** absolute, e.g. http://localhost/get_reward?token=… */
  url: string;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
  /** read when no Content-Length came (chunked), counting bytes against the limit */
  body?: ReadableStream<Uint8Array> | null;
}

/** An answer as plain parts. */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): Answer => ({ status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
/** Server-Timing: how long the request waited on the upstreams (the rest of its time is the server's own) */
export const serverTiming = (ms: number) => `upstreams;dur=${ms.toFixed(3)}`;
