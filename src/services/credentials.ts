// Credentials → tenant context (DESIGN §1): secret and publishable API keys, and JWT access
// tokens minted from a secret key or a user's login. Pure where possible; lookups go through db/.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { ROLES, type Mode, type Role } from '../scope.ts';
import { isUuid, isUuidV4 } from '../ids.ts';

export type KeyKind = 'secret' | 'publishable';

/** The tenant context of an authenticated request. */
export interface Auth {
  tenantId: string;
  orgId: string;
  mode: Mode;
  /** null for publishable keys. */
  role: Role | null;
  /** `session`: the dashboard's session cookie (under /dashboard only). */
  via: 'secret_key' | 'publishable_key' | 'jwt' | 'session';
  /** The API key behind the credential (a JWT minted from a key carries it too). */
  keyId?: string;
  /** The user behind a token minted from a login, or behind a dashboard session. */
  userId?: string;
  /** A JWT's id (jti). */
  tokenId?: string;
  /** The client address the request came from (for the audit log). */
  address?: string;
}

export const JWT_ISSUER = 'herald';
export const JWT_AUDIENCE = 'herald-api';
export const TOKEN_LIFETIME_SECONDS = 900;
/** How far in the future an `iat` may lie: clocks of Herald processes on different hosts differ a little. */
export const IAT_LEEWAY_SECONDS = 5;

export interface GeneratedKey {
  key: string;
  hash: string;
  prefix: string;
}

export function generateApiKey(kind: KeyKind, mode: Mode): GeneratedKey {
  const key = `${kind === 'secret' ? 'hk' : 'pk'}_${mode}_${randomBytes(24).toString('base64url')}`;
  return { key, hash: hashApiKey(key), prefix: key.slice(0, key.indexOf('_', 3) + 5) };
}

export const hashApiKey = (key: string): string => createHash('sha256').update(key).digest('hex');

const KEY_SHAPE = /^(hk|pk)_(live|test)_[A-Za-z0-9_-]{32}$/;
export const looksLikeApiKey = (token: string): boolean => KEY_SHAPE.test(token);

export interface TokenClaims {
  tenant_id: string;
  org_id: string;
  sub: string;
  role: Role;
  mode: Mode;
  /** A token minted from an API key: that key (it dies with it). */
  key_id?: string;
  /** A token minted from a login: the membership it was issued for (it dies with it). */
  mid?: string;
  /** A token minted from a login: the user's credentials version then (a password change moves it on). */
  cv?: number;
}

export interface VerifiedClaims extends TokenClaims {
  jti?: string;
  iat: number;
}

export function mintToken(claims: TokenClaims, secret: string, now: Date): { access_token: string; token_type: 'Bearer'; expires_in: number } {
  const iat = Math.floor(now.getTime() / 1000);
  const access_token = jwt.sign({ ...claims, iat }, secret, {
    algorithm: 'HS256',
    expiresIn: TOKEN_LIFETIME_SECONDS,
    issuer: JWT_ISSUER,
    audience: JWT_AUDIENCE,
    jwtid: randomBytes(12).toString('base64url'),
  });
  return { access_token, token_type: 'Bearer', expires_in: TOKEN_LIFETIME_SECONDS };
}

export type TokenCheck = { ok: true; claims: VerifiedClaims } | { ok: false; reason: string };

/**
 * Verifies signature (HS256 only), issuer, audience, exp and nbf at `now`, an `iat` not in the
 * future and a lifetime of at most 15 minutes, then the claims' shape. UUIDs come out lowercase.
 */
export function verifyToken(token: string, secret: string, now: Date): TokenCheck {
  const nowSeconds = Math.floor(now.getTime() / 1000);
  let payload: jwt.JwtPayload | string;
  try {
    payload = jwt.verify(token, secret, { algorithms: ['HS256'], issuer: JWT_ISSUER, audience: JWT_AUDIENCE, clockTimestamp: nowSeconds });
  } catch (err) {
    const e = err as Error;
    const reason = e.name === 'TokenExpiredError' ? 'token expired' : e.name === 'NotBeforeError' ? 'token not yet valid' : `invalid token: ${e.message}`;
    return { ok: false, reason };
  }
  if (typeof payload !== 'object' || payload.exp === undefined) return { ok: false, reason: 'invalid token: no expiry' };
  // Herald never mints longer-lived tokens; one that claims more was not made by this API's rules.
  if (typeof payload.iat !== 'number' || payload.exp - payload.iat > TOKEN_LIFETIME_SECONDS) {
    return { ok: false, reason: `invalid token: lifetime over ${TOKEN_LIFETIME_SECONDS} s` };
  }
  // jsonwebtoken checks exp and nbf but not iat: a future iat would stretch the lifetime check above.
  if (payload.iat > nowSeconds + IAT_LEEWAY_SECONDS) return { ok: false, reason: 'invalid token: issued in the future' };
  const { tenant_id, org_id, sub, role, mode, key_id, mid, cv, jti } = payload as Record<string, unknown>;
  if (!isUuidV4(tenant_id)) return { ok: false, reason: 'invalid token: tenant_id must be a UUID v4' };
  if (!isUuidV4(org_id)) return { ok: false, reason: 'invalid token: org_id must be a UUID v4' };
  if (typeof sub !== 'string' || !sub) return { ok: false, reason: 'invalid token: no subject' };
  if (!(ROLES as readonly unknown[]).includes(role)) return { ok: false, reason: 'invalid token: unknown role' };
  if (mode !== 'live' && mode !== 'test') return { ok: false, reason: 'invalid token: unknown mode' };
  if (jti !== undefined && typeof jti !== 'string') return { ok: false, reason: 'invalid token: bad jti' };
  const claims: VerifiedClaims = {
    tenant_id: tenant_id.toLowerCase(), org_id: org_id.toLowerCase(), sub, role: role as Role, mode, iat: payload.iat, jti: jti as string | undefined,
  };
  if (key_id !== undefined) {
    if (typeof key_id !== 'string') return { ok: false, reason: 'invalid token: bad key_id' };
    return { ok: true, claims: { ...claims, key_id } };
  }
  // A login's token: its subject is the user; it names its membership and the credentials version it was minted under.
  if (!isUuid(sub)) return { ok: false, reason: 'invalid token: the subject must be a user id' };
  if (!isUuid(mid)) return { ok: false, reason: 'invalid token: no membership' };
  if (!Number.isSafeInteger(cv) || (cv as number) < 1) return { ok: false, reason: 'invalid token: no credentials version' };
  return { ok: true, claims: { ...claims, sub: sub.toLowerCase(), mid: mid.toLowerCase(), cv: cv as number } };
}

export function safeEqual(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}
