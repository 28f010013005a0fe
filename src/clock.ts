// Time as the services see it. Production reads the system clock; tests move a manual clock
// instead of sleeping. Rules decided by time (the disable window, the rotation overlap) read it
// here and pass it to SQL as a parameter, so the database's now() never decides them.
// Job scheduling in pg-boss stays on real time: the queue turns a clock instant back into real time.

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Real time plus an offset the test moves forward. */
export class ManualClock implements Clock {
  private offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
