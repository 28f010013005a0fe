// In-process fixed-window rate limiter (per key: client address, API key, ...). Each process
// limits on its own; behind N API replicas the effective limit is N times this.
import { tooManyRequests } from '../errors.ts';

export class RateLimiter {
  private windows = new Map<string, { start: number; count: number }>();
  private nextSweep = 0;
  readonly limit: number;
  readonly windowMs: number;
  constructor(limit: number, windowMs: number) {
    this.limit = limit;
    this.windowMs = windowMs;
  }

  /** Counts one hit for `key`; throws 429 with Retry-After when over the limit. */
  hit(key: string, now = Date.now()): void {
    let w = this.windows.get(key);
    if (!w || now - w.start >= this.windowMs) {
      if (now >= this.nextSweep) this.sweep(now);
      w = { start: now, count: 0 };
      this.windows.set(key, w);
    }
    w.count++;
    if (w.count > this.limit) throw tooManyRequests(Math.max(1, Math.ceil((w.start + this.windowMs - now) / 1000)));
  }

  // At most once a window: sweeping on every new key would cost O(keys) per request once many
  // addresses are live, which is exactly when the limiter is under attack.
  private sweep(now: number): void {
    this.nextSweep = now + this.windowMs;
    for (const [k, w] of this.windows) if (now - w.start >= this.windowMs) this.windows.delete(k);
  }
}
