// The one module that reads settings. Everything is validated at boot and every bad key is
// reported at once. In development the three secrets are generated once and kept under the
// data dir; in production they are required.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseCidr, type Cidr } from './net/address.ts';
import { isIpAddress, normalizeHostname } from './net/host.ts';

export interface Config {
  production: boolean;
  port: number;
  workerPort: number;
  /** Serves /metrics on its own port (any role) when set; the worker port always serves it. */
  metricsPort: number | undefined;
  /** The owner's login: migrations. Unset with no runtime URL either: the embedded server. */
  databaseUrl: string | undefined;
  /** The runtime login (api, worker, operator commands): one that can be nothing but herald_app. */
  runtimeDatabaseUrl: string | undefined;
  dataDir: string;
  adminToken: string;
  jwtSecret: string;
  encryptionKey: Buffer;
  allowPrivateNetworks: Cidr[];
  retryScheduleMs: number[];
  disableAfterMs: number;
  /** Total time for one webhook attempt: connect, send, response headers and body. */
  deliveryTimeoutMs: number;
  /** Attempts to one endpoint a worker process makes at once, so a slow endpoint cannot take every slot. */
  endpointConcurrency: number;
  /** Attempts of one tenant a worker process makes at once (it holds at most twice as many claims). */
  tenantConcurrency: number;
  /** How long events, deliveries and attempts are kept (and so how far back replay reaches). */
  eventRetentionMs: number;
  /** How long audit entries are kept. */
  auditRetentionMs: number;
  /** How long a cart that was never checked out is kept after its last change. */
  cartRetentionMs: number;
  /** A storefront order still unpaid this long after its checkout completed is cancelled (stock and coupon returned). */
  unpaidOrderTtlMs: number;
  storefrontDomain: string;
  /** A dashboard session unused this long ends. */
  sessionIdleMs: number;
  /** A dashboard session ends this long after its login, used or not. */
  sessionMaxAgeMs: number;
  logLevel: string;
  /** Behind a reverse proxy: client address and host come from X-Forwarded-For / X-Forwarded-Host. */
  trustProxy: boolean;
  /** Whether the three secrets were generated for development (the admin token is printed then). */
  generatedSecrets: boolean;
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.problems = problems;
  }
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `250ms`, `5s`, `5m`, `2h`, `5d`; a bare number is seconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!m) return undefined;
  return Math.round(Number(m[1]) * UNITS[m[2] ?? 's']);
}

const POSTGRES_URL = /^postgres(ql)?:\/\//;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export type Env = Record<string, string | undefined>;

/**
 * `quiet`: operator commands print JSON on stdout, so their logs default to warnings only.
 * `migrateOnly`: `herald migrate` needs the owner's login, not the runtime one.
 */
export function loadConfig(env: Env = process.env, options: { quiet?: boolean; migrateOnly?: boolean } = {}): Config {
  const problems: string[] = [];
  const production = env.NODE_ENV === 'production';

  const port = (key: string, fallback: number): number => {
    const raw = env[key];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0 || n > 65535) problems.push(`${key}: expected a port number 0-65535, got "${raw}"`);
    return n;
  };

  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !POSTGRES_URL.test(databaseUrl)) problems.push('DATABASE_URL: expected a postgres:// URL');
  const runtimeDatabaseUrl = env.HERALD_RUNTIME_DATABASE_URL || undefined;
  if (runtimeDatabaseUrl && !POSTGRES_URL.test(runtimeDatabaseUrl)) problems.push('HERALD_RUNTIME_DATABASE_URL: expected a postgres:// URL');
  if (databaseUrl && !runtimeDatabaseUrl && !options.migrateOnly) {
    problems.push('HERALD_RUNTIME_DATABASE_URL: required with DATABASE_URL: the login the API and workers use, one that can be nothing but herald_app (see docs/tenancy.md)');
  }
  if (runtimeDatabaseUrl && !databaseUrl && options.migrateOnly) problems.push('DATABASE_URL: herald migrate needs the owner\'s login');

  const dataDir = resolve(env.HERALD_DATA_DIR || './.herald');

  let retryScheduleMs: number[] = [];
  const schedule = env.HERALD_RETRY_SCHEDULE || '5s,5m,30m,2h,5h,10h,10h';
  for (const part of schedule.split(',')) {
    const ms = parseDuration(part);
    if (ms === undefined) {
      problems.push(`HERALD_RETRY_SCHEDULE: "${part.trim()}" is not a duration (e.g. 5s, 5m, 2h)`);
      retryScheduleMs = [];
      break;
    }
    retryScheduleMs.push(ms);
  }

  const disableAfterMs = parseDuration(env.HERALD_DISABLE_AFTER || '5d');
  if (disableAfterMs === undefined || disableAfterMs <= 0) problems.push('HERALD_DISABLE_AFTER: expected a positive duration (e.g. 5d, 30s)');

  const deliveryTimeoutMs = parseDuration(env.HERALD_DELIVERY_TIMEOUT || '15s');
  if (deliveryTimeoutMs === undefined || deliveryTimeoutMs < 100 || deliveryTimeoutMs > 120_000) {
    problems.push('HERALD_DELIVERY_TIMEOUT: expected a duration from 100ms to 2m (e.g. 15s)');
  }

  const endpointConcurrency = Number(env.HERALD_ENDPOINT_CONCURRENCY || '4');
  if (!Number.isInteger(endpointConcurrency) || endpointConcurrency < 1 || endpointConcurrency > 100) {
    problems.push('HERALD_ENDPOINT_CONCURRENCY: expected a whole number from 1 to 100');
  }

  const tenantConcurrency = Number(env.HERALD_TENANT_CONCURRENCY || '64');
  if (!Number.isInteger(tenantConcurrency) || tenantConcurrency < 1 || tenantConcurrency > 1000) {
    problems.push('HERALD_TENANT_CONCURRENCY: expected a whole number from 1 to 1000');
  }

  const eventRetentionMs = parseDuration(env.HERALD_EVENT_RETENTION || '30d');
  if (eventRetentionMs === undefined || eventRetentionMs < 3_600_000) problems.push('HERALD_EVENT_RETENTION: expected a duration of at least 1h (e.g. 30d)');

  const auditRetentionMs = parseDuration(env.HERALD_AUDIT_RETENTION || '365d');
  if (auditRetentionMs === undefined || auditRetentionMs < 86_400_000) problems.push('HERALD_AUDIT_RETENTION: expected a duration of at least 1d (e.g. 365d)');

  // Longer than a checkout lives (24 h), so no open checkout loses its cart.
  const cartRetentionMs = parseDuration(env.HERALD_CART_RETENTION || '30d');
  if (cartRetentionMs === undefined || cartRetentionMs < 2 * 86_400_000) problems.push('HERALD_CART_RETENTION: expected a duration of at least 2d (e.g. 30d)');

  const unpaidOrderTtlMs = parseDuration(env.HERALD_UNPAID_ORDER_TTL || '24h');
  if (unpaidOrderTtlMs === undefined || unpaidOrderTtlMs < 60_000) problems.push('HERALD_UNPAID_ORDER_TTL: expected a duration of at least 1m (e.g. 24h)');

  const sessionIdleMs = parseDuration(env.HERALD_SESSION_IDLE_TIMEOUT || '30m');
  if (sessionIdleMs === undefined || sessionIdleMs < 60_000 || sessionIdleMs > 86_400_000) {
    problems.push('HERALD_SESSION_IDLE_TIMEOUT: expected a duration from 1m to 24h (e.g. 30m)');
  }
  const sessionMaxAgeMs = parseDuration(env.HERALD_SESSION_MAX_AGE || '12h');
  if (sessionMaxAgeMs === undefined || sessionMaxAgeMs < 300_000 || sessionMaxAgeMs > 30 * 86_400_000) {
    problems.push('HERALD_SESSION_MAX_AGE: expected a duration from 5m to 30d (e.g. 12h)');
  }

  const allowPrivateNetworks: Cidr[] = [];
  for (const part of (env.HERALD_ALLOW_PRIVATE_NETWORKS ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const cidr = parseCidr(part);
    if (cidr) allowPrivateNetworks.push(cidr);
    else problems.push(`HERALD_ALLOW_PRIVATE_NETWORKS: "${part}" is not a CIDR (e.g. 10.0.0.0/8, ::1/128)`);
  }

  const storefrontDomain = normalizeHostname(env.HERALD_STOREFRONT_DOMAIN || 'shops.localhost') ?? '';
  if (!storefrontDomain || isIpAddress(storefrontDomain)) problems.push('HERALD_STOREFRONT_DOMAIN: expected a host name such as shops.example.com (no scheme, port or IP address)');
  const logLevel = env.LOG_LEVEL || (env.NODE_ENV === 'test' ? 'silent' : options.quiet ? 'warn' : 'info');
  const trustProxy = ['1', 'true'].includes((env.HERALD_TRUST_PROXY ?? '').toLowerCase());
  if (env.HERALD_TRUST_PROXY && !trustProxy && !['0', 'false'].includes(env.HERALD_TRUST_PROXY.toLowerCase())) {
    problems.push('HERALD_TRUST_PROXY: expected true or false');
  }
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL: expected one of ${LOG_LEVELS.join(', ')}`);

  // Secrets: required in production, generated once and kept under the data dir otherwise.
  const secretKeys = ['HERALD_ADMIN_TOKEN', 'HERALD_JWT_SECRET', 'HERALD_ENCRYPTION_KEY'] as const;
  const given = Object.fromEntries(secretKeys.map((k) => [k, env[k] || undefined])) as Record<(typeof secretKeys)[number], string | undefined>;
  let generatedSecrets = false;
  if (production) {
    for (const k of secretKeys) if (!given[k]) problems.push(`${k}: required when NODE_ENV=production`);
  } else if (secretKeys.some((k) => !given[k])) {
    const kept = developmentSecrets(dataDir);
    generatedSecrets = !given.HERALD_ADMIN_TOKEN;
    for (const k of secretKeys) given[k] ??= kept[k];
  }
  if (given.HERALD_ADMIN_TOKEN && given.HERALD_ADMIN_TOKEN.length < 16) problems.push('HERALD_ADMIN_TOKEN: must be at least 16 characters');
  if (given.HERALD_JWT_SECRET && given.HERALD_JWT_SECRET.length < 32) problems.push('HERALD_JWT_SECRET: must be at least 32 characters');
  let encryptionKey = Buffer.alloc(0);
  if (given.HERALD_ENCRYPTION_KEY) {
    encryptionKey = Buffer.from(given.HERALD_ENCRYPTION_KEY, 'base64');
    if (encryptionKey.length !== 32) problems.push('HERALD_ENCRYPTION_KEY: must be 32 bytes, base64-encoded (openssl rand -base64 32)');
  }

  const config: Config = {
    production,
    port: port('PORT', 8080),
    workerPort: port('HERALD_WORKER_PORT', 9090),
    metricsPort: env.HERALD_METRICS_PORT ? port('HERALD_METRICS_PORT', 0) : undefined,
    databaseUrl,
    runtimeDatabaseUrl,
    dataDir,
    adminToken: given.HERALD_ADMIN_TOKEN ?? '',
    jwtSecret: given.HERALD_JWT_SECRET ?? '',
    encryptionKey,
    allowPrivateNetworks,
    retryScheduleMs,
    disableAfterMs: disableAfterMs ?? 0,
    deliveryTimeoutMs: deliveryTimeoutMs ?? 0,
    endpointConcurrency,
    tenantConcurrency,
    eventRetentionMs: eventRetentionMs ?? 0,
    auditRetentionMs: auditRetentionMs ?? 0,
    cartRetentionMs: cartRetentionMs ?? 0,
    unpaidOrderTtlMs: unpaidOrderTtlMs ?? 0,
    storefrontDomain,
    sessionIdleMs: sessionIdleMs ?? 0,
    sessionMaxAgeMs: sessionMaxAgeMs ?? 0,
    logLevel,
    trustProxy,
    generatedSecrets,
  };
  if (problems.length) throw new ConfigError(problems);
  return config;
}

function developmentSecrets(dataDir: string): Record<string, string> {
  const file = join(dataDir, 'secrets.json');
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    const secrets = {
      HERALD_ADMIN_TOKEN: `hadm_${randomBytes(24).toString('base64url')}`,
      HERALD_JWT_SECRET: randomBytes(48).toString('base64url'),
      HERALD_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    };
    mkdirSync(dataDir, { recursive: true });
    try {
      writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600, flag: 'wx' });
      return secrets;
    } catch {
      // Another process wrote them first: use theirs.
      return JSON.parse(readFileSync(file, 'utf8'));
    }
  }
}

/** What the `herald` CLI's API commands need: where Herald is, and a key of the tenant. */
export interface ClientConfig {
  url: string;
  apiKey: string | undefined;
}

/** HERALD_URL (default http://localhost:8080) and HERALD_API_KEY; a bad URL is a ConfigError. */
export function loadClientConfig(env: Env = process.env): ClientConfig {
  const url = env.HERALD_URL || 'http://localhost:8080';
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    // reported below
  }
  if (!parsed || !['http:', 'https:'].includes(parsed.protocol)) throw new ConfigError([`HERALD_URL: expected an http(s) URL such as http://localhost:8080, got "${url}"`]);
  return { url: url.replace(/\/+$/, ''), apiKey: env.HERALD_API_KEY || undefined };
}
