// When the next attempt happens: HERALD_RETRY_SCHEDULE lists the delays before attempts 2..n,
// each with ±20 % jitter so a receiver's outage does not bring every retry back at once; a
// receiver's Retry-After (seconds or HTTP date) replaces the step, capped at an hour.
export const RETRY_AFTER_CAP_MS = 3_600_000;
const JITTER = 0.2;

/** Delay before the attempt after `attempt` (1-based), or undefined when the schedule is spent. */
export function scheduledDelay(attempt: number, scheduleMs: readonly number[], random: () => number = Math.random): number | undefined {
  const step = scheduleMs[attempt - 1];
  if (step === undefined) return undefined;
  return Math.round(step * (1 - JITTER + 2 * JITTER * random()));
}

/** A Retry-After header as a delay in ms from `now`, capped; undefined when absent or malformed. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, RETRY_AFTER_CAP_MS);
  // HTTP dates name their weekday and zone (`Wed, 21 Oct 2015 07:28:00 GMT`); bare numbers are not dates.
  if (!/^[A-Za-z]{3},/.test(text)) return undefined;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, at - now), RETRY_AFTER_CAP_MS);
}
