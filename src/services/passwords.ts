// Password hashing with scrypt (node:crypto; memory-hard, no native dependency). A stored hash is
// `scrypt$N$r$p$salt$hash`. The runtime never reads stored hashes (sql/021): it is given a user's
// parameters and salt (`scrypt$N$r$p$salt`), derives the candidate from the password offered, and
// asks the database whether the candidate is the stored hash.
import { randomBytes, scrypt } from 'node:crypto';
import { promisify } from 'node:util';

const scryptAsync = promisify(scrypt) as (pw: string, salt: Buffer, len: number, opts: object) => Promise<Buffer>;
const PARAMS = { N: 16384, r: 8, p: 1 };
const KEY_LENGTH = 32;

export async function hashPassword(password: string): Promise<string> {
  return derive(password, `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${randomBytes(16).toString('base64')}`);
}

/** The full hash string for `password` under stored parameters and salt (`scrypt$N$r$p$salt`). */
export async function derive(password: string, params: string): Promise<string> {
  const [scheme, N, r, p, salt] = params.split('$');
  if (scheme !== 'scrypt') throw new Error('unknown password hash scheme');
  const hash = await scryptAsync(password, Buffer.from(salt, 'base64'), KEY_LENGTH, { N: Number(N), r: Number(r), p: Number(p) });
  return `${params}$${hash.toString('base64')}`;
}

/** Spent on unknown users too, so login timing does not reveal which emails exist. */
export const DUMMY_PARAMS = `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${randomBytes(16).toString('base64')}`;
