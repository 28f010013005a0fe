// pg-boss queues Herald uses, created by `herald migrate` as the schema owner.
import type { Queue } from 'pg-boss';

type QueueOptions = Omit<Queue, 'name'>;

export const DELIVER_QUEUE = 'deliver';

export const QUEUES: Record<string, QueueOptions> = {
  // Retries are Herald's own (a new job per attempt, on HERALD_RETRY_SCHEDULE), so pg-boss's are off.
  [DELIVER_QUEUE]: { retryLimit: 0, expireInSeconds: 120, deleteAfterSeconds: 3600 },
};
