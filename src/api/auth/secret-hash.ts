/**
 * Client secrets are stored as scrypt hashes (RFC 7914), never as text: a copy of the data
 * folder does not hand out working credentials. Verification is constant-time.
 */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const scrypt = (password: string, salt: Buffer, length: number, options: ScryptOptions): Promise<Buffer> =>
  new Promise((resolve, reject) => scryptCallback(password, salt, length, options, (error, key) => (error ? reject(error) : resolve(key))));

/** N = 2^14, r = 8, p = 1: the interactive-login parameters of RFC 7914 §2; ~20 ms here. */
const COST = 16384;
const LENGTH = 32;

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(secret, salt, LENGTH, { N: COST, r: 8, p: 1 });
  return `scrypt$${COST}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [scheme, cost, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !cost || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scrypt(secret, Buffer.from(salt, 'base64url'), expected.length, { N: Number(cost), r: 8, p: 1 });
  return timingSafeEqual(expected, actual);
}

/** A client secret in the form Entra issues them: 40 URL-safe characters. */
export function generateSecret(): string {
  return randomBytes(30).toString('base64url');
}
