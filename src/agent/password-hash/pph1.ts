/**
 * The one-way transform the agent applies to an NT hash before anything leaves it, as
 * Azure AD Connect publishes it: the hash's uppercase hex, as UTF-16LE, through
 * PBKDF2-HMAC-SHA256 with a random 10-byte salt and 1000 iterations, 32 bytes out,
 * written as `v1;PPH1_MD4,<salt hex>,<iterations>,<hash hex>;`.
 */
import { pbkdf2Sync, randomBytes } from 'node:crypto';

export const PPH1_ITERATIONS = 1000;
export const PPH1_SALT_LENGTH = 10;
export const PPH1_KEY_LENGTH = 32;

export interface Pph1Options {
  /** Only for tests that need a fixed result; a fresh random salt otherwise. */
  readonly salt?: Buffer;
  readonly iterations?: number;
}

/** PBKDF2 over the NT hash's uppercase hex in UTF-16LE (shared with the cloud-side check). */
export function pph1Derive(ntHash: Uint8Array, salt: Uint8Array, iterations: number): Buffer {
  if (ntHash.length !== 16) throw new TypeError(`an NT hash has 16 bytes, not ${ntHash.length}`);
  const hex = Buffer.from(Buffer.from(ntHash).toString('hex').toUpperCase(), 'utf16le');
  try {
    return pbkdf2Sync(hex, salt, iterations, PPH1_KEY_LENGTH, 'sha256');
  } finally {
    hex.fill(0);
  }
}

/** The PPH1 string for an NT hash. The caller still owns (and wipes) `ntHash`. */
export function pph1FromNtHash(ntHash: Uint8Array, options: Pph1Options = {}): string {
  const salt = options.salt ?? randomBytes(PPH1_SALT_LENGTH);
  const iterations = options.iterations ?? PPH1_ITERATIONS;
  if (!Number.isInteger(iterations) || iterations < 1) throw new TypeError(`iterations must be a positive integer, not ${iterations}`);
  const derived = pph1Derive(ntHash, salt, iterations);
  return `v1;PPH1_MD4,${salt.toString('hex')},${iterations},${derived.toString('hex')};`;
}
