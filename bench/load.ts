// A closed-loop load generator: `concurrency` clients each run `once` back to back for a fixed
// time. Latencies are kept whole for exact percentiles.

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

export async function runLoad(concurrency: number, seconds: number, once: () => Promise<void>): Promise<LoadResult> {
  const stopAt = performance.now() + seconds * 1000;
  const latencies: number[] = [];
  let errors = 0;
  let firstError: unknown;
  const client = async () => {
    for (let now = performance.now(); now < stopAt; now = performance.now()) {
      try {
        await once();
      } catch (err) {
        errors++;
        firstError ??= err;
      }
      latencies.push(performance.now() - now);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  if (errors) console.error(`  ${errors} failed requests; first: ${String((firstError as Error)?.message ?? firstError)}`);
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return { requests: latencies.length, errors, seconds, perSecond: latencies.length / seconds, p50Ms: at(0.5), p99Ms: at(0.99) };
}
