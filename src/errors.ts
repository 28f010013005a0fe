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
export const serviceUnavailable = (detail: string) => new HttpError(503, 'Service Unavailable', detail);
