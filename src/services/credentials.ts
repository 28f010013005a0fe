// Credentials → tenant context (DESIGN §1): secret and publishable API keys, and JWT access
// tokens minted from a secret key or a user's login. Pure where possible; lookups go through db/.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { ROLES, type Mode, type Role } from '../scope.ts';
import { isUuidV4 } from '../ids.ts';

export type KeyKind = 'secret' | 'publishable';

/** The tenant context of an authenticated request. */
export interface Auth {
  tenantId: string;
  orgId: string;
  mode: Mode;
  /** null for publishable keys. */
  role: Role | null;
  via: 'secret_key' | 'publishable_key' | 'jwt';
  /** The API key behind the credential (a JWT minted from a key carries it too). */
  keyId?: string;
  userId?: string;
}

export const JWT_ISSUER = 'herald';
export const JWT_AUDIENCE = 'herald-api';
export const TOKEN_LIFETIME_SECONDS = 900;

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
  key_id?: string;
}

export function mintToken(claims: TokenClaims, secret: string): { access_token: string; token_type: 'Bearer'; expires_in: number } {
  const access_token = jwt.sign(claims, secret, {
    algorithm: 'HS256',
    expiresIn: TOKEN_LIFETIME_SECONDS,
    issuer: JWT_ISSUER,
    audience: JWT_AUDIENCE,
  });
  return { access_token, token_type: 'Bearer', expires_in: TOKEN_LIFETIME_SECONDS };
}

export type TokenCheck = { ok: true; claims: TokenClaims } | { ok: false; reason: string };

/** Verifies signature (HS256 only), issuer, audience, exp and nbf, then the claims' shape. */
export function verifyToken(token: string, secret: string): TokenCheck {
  let payload: jwt.JwtPayload | string;
  try {
    payload = jwt.verify(token, secret, { algorithms: ['HS256'], issuer: JWT_ISSUER, audience: JWT_AUDIENCE });
  } catch (err) {
    const e = err as Error;
    const reason = e.name === 'TokenExpiredError' ? 'token expired' : e.name === 'NotBeforeError' ? 'token not yet valid' : `invalid token: ${e.message}`;
    return { ok: false, reason };
  }
  if (typeof payload !== 'object' || payload.exp === undefined) return { ok: false, reason: 'invalid token: no expiry' };
  // Herald never mints longer-lived tokens; one that claims more was not made by this API's rules.
  if (payload.iat === undefined || payload.exp - payload.iat > TOKEN_LIFETIME_SECONDS) {
    return { ok: false, reason: `invalid token: lifetime over ${TOKEN_LIFETIME_SECONDS} s` };
  }
  const { tenant_id, org_id, sub, role, mode, key_id } = payload as Record<string, unknown>;
  if (!isUuidV4(tenant_id)) return { ok: false, reason: 'invalid token: tenant_id must be a UUID v4' };
  if (!isUuidV4(org_id)) return { ok: false, reason: 'invalid token: org_id must be a UUID v4' };
  if (typeof sub !== 'string' || !sub) return { ok: false, reason: 'invalid token: no subject' };
  if (!(ROLES as readonly unknown[]).includes(role)) return { ok: false, reason: 'invalid token: unknown role' };
  if (mode !== 'live' && mode !== 'test') return { ok: false, reason: 'invalid token: unknown mode' };
  if (key_id !== undefined && typeof key_id !== 'string') return { ok: false, reason: 'invalid token: bad key_id' };
  return { ok: true, claims: { tenant_id, org_id, sub, role: role as Role, mode, key_id: key_id as string | undefined } };
}

export function safeEqual(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}
