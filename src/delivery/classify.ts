// An attempt's outcome is a value (DESIGN §3): the receiver's 500 is data, not an exception.
//   2xx delivered · 410 disables the endpoint · 429/503 honour Retry-After · 3xx (never
//   followed), other statuses, timeouts and network errors retry until the schedule is spent.
import type { HttpResult } from './client.ts';
import { parseRetryAfter, scheduledDelay } from './retry.ts';

export type Outcome =
  | { kind: 'delivered' }
  | { kind: 'retry'; at: Date; reason: string }
  | { kind: 'failed'; reason: string }
  | { kind: 'disable'; reason: string };

export interface RetryPolicy {
  scheduleMs: readonly number[];
  now: number;
  random?: () => number;
}

/** What went wrong, in words stored on the delivery and logged. */
function describeFailure(result: HttpResult): string {
  if (result.error) return `${result.error.kind}: ${result.error.message}`;
  const status = result.statusCode!;
  if (status >= 300 && status < 400) return `HTTP ${status} redirect (redirects are not followed)`;
  return `HTTP ${status}`;
}

export function classify(result: HttpResult, attempt: number, policy: RetryPolicy): Outcome {
  const status = result.error ? undefined : result.statusCode;
  if (status !== undefined && status !== null && status >= 200 && status < 300) return { kind: 'delivered' };
  const reason = describeFailure(result);
  if (status === 410) return { kind: 'disable', reason: 'the endpoint answered 410 Gone' };
  let delay = scheduledDelay(attempt, policy.scheduleMs, policy.random);
  if (delay === undefined) return { kind: 'failed', reason: `${reason} on attempt ${attempt}, the last one` };
  if (status === 429 || status === 503) delay = parseRetryAfter(result.headers['retry-after'], policy.now) ?? delay;
  return { kind: 'retry', at: new Date(policy.now + delay), reason };
}
