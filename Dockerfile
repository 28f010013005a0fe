# One image, several roles: the command picks it (api | worker | all | migrate | operator subcommands).
# Node 24 runs the TypeScript sources directly (type stripping), so there is no build step.

FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only; the embedded PostgreSQL (optional) is for development, containers use DATABASE_URL.
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM node:24-slim
ENV NODE_ENV=production PORT=8080 HERALD_WORKER_PORT=9090
# As `npm start`: a 16 MB young generation and two malloc arenas keep a busy worker's RSS about
# 100 MB lower at the same throughput (docs/benchmarks.md).
ENV NODE_OPTIONS=--max-semi-space-size=16 MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY sql ./sql
COPY src ./src
COPY workers ./workers
USER node
EXPOSE 8080 9090
# The API answers /healthz on PORT, the worker on HERALD_WORKER_PORT: either one means healthy.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "bin/healthcheck.js"]
ENTRYPOINT ["node", "workers/index.ts"]
CMD ["api"]
