// Container HEALTHCHECK: healthy when this container's API or worker answers /healthz.
const ports = [process.env.PORT ?? '8080', process.env.HERALD_WORKER_PORT ?? '9090'];
const ok = async (port) => (await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) })).ok;
const results = await Promise.allSettled(ports.map(ok));
process.exit(results.some((r) => r.status === 'fulfilled' && r.value) ? 0 : 1);
