// One error hierarchy; the HTTP layer maps it to problem+json (RFC 9457) in one middleware.
export interface FieldError {
  pointer: string;
  detail: string;
}

export class HttpError extends Error {
  readonly status: number;
  readonly title: string;
  readonly errors?: FieldError[];
  readonly headers: Record<string, string>;
  constructor(status: number, title: string, detail: string, options: { errors?: FieldError[]; headers?: Record<string, string> } = {}) {
    super(detail);
    this.status = status;
    this.title = title;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
  }
  /** A stable, dereferenceable-looking problem type per status. */
  get type(): string {
    return `urn:herald:problem:${this.title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  }
}

export const badRequest = (detail: string, errors?: FieldError[]) => new HttpError(400, 'Bad Request', detail, { errors });
export const validationFailed = (errors: FieldError[]) =>
  new HttpError(400, 'Validation Failed', errors.map((e) => `${e.pointer || '/'}: ${e.detail}`).join('; '), { errors });
export const unauthorized = (detail: string) =>
  new HttpError(401, 'Unauthorized', detail, { headers: { 'www-authenticate': 'Bearer realm="herald"' } });
export const forbidden = (detail: string) => new HttpError(403, 'Forbidden', detail);
export const notFound = (detail = 'No such resource') => new HttpError(404, 'Not Found', detail);
export const methodNotAllowed = (allowed: string[]) =>
  new HttpError(405, 'Method Not Allowed', `Allowed methods: ${allowed.join(', ')}`, { headers: { allow: allowed.join(', ') } });
export const conflict = (detail: string) => new HttpError(409, 'Conflict', detail);
export const payloadTooLarge = (detail: string) => new HttpError(413, 'Payload Too Large', detail);
export const unsupportedMediaType = (detail: string) => new HttpError(415, 'Unsupported Media Type', detail);
export const unprocessable = (detail: string, errors?: FieldError[]) => new HttpError(422, 'Unprocessable Content', detail, { errors });
export const tooManyRequests = (retryAfterSeconds: number) =>
  new HttpError(429, 'Too Many Requests', `Rate limit exceeded; retry in ${retryAfterSeconds} s`, { headers: { 'retry-after': String(retryAfterSeconds) } });
export const serviceUnavailable = (detail: string, retryAfterSeconds = DATABASE_RETRY_AFTER_SECONDS) =>
  new HttpError(503, 'Service Unavailable', detail, { headers: { 'retry-after': String(retryAfterSeconds) } });

/** What a client is told to wait while the database is unreachable: a restart or failover takes seconds. */
export const DATABASE_RETRY_AFTER_SECONDS = 2;

// SQLSTATEs that say the server cannot serve now, not that the statement was wrong: the
// connection was ended by a shutdown or crash (57P01, 57P02), the server is starting or in
// recovery (57P03), too many connections (53300), and the connection exception class (08).
const UNAVAILABLE_STATES = /^(57P0[123]|53300|08\d{3})$/;
// Errors of the socket under the pg client, and of the client and pool themselves.
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);
const CLIENT_MESSAGES = /^(Connection terminated|timeout exceeded when trying to connect|timeout expired|Client has encountered a connection error|Connection is not open|Query read timeout)/;

/**
 * Whether `err` means the database is unreachable (down, restarting, failing over, or its
 * connections were cut), so the work may succeed if tried again shortly: the API answers 503
 * with Retry-After, and workers back off. An AggregateError (several addresses tried) counts
 * when all of its errors do.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; message?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && (UNAVAILABLE_STATES.test(e.code) || NETWORK_CODES.has(e.code))) return true;
  if (typeof e.message === 'string' && CLIENT_MESSAGES.test(e.message)) return true;
  return Array.isArray(e.errors) && e.errors.length > 0 && e.errors.every(isDatabaseUnavailable);
}

export const databaseUnavailable = () => serviceUnavailable('the database is unavailable; retry shortly');

/** A PostgreSQL unique violation (23505): the caller turns it into its own 409. */
export const isUniqueViolation = (err: unknown) => (err as { code?: string } | null)?.code === '23505';
