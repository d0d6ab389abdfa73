/**
 * Checks a password against a stored PPH1 string (see agent/password-hash/pph1.ts): the
 * password's NT hash is derived the same way with the stored salt and iteration count and
 * compared in constant time. Malformed strings never verify.
 */
import { timingSafeEqual } from 'node:crypto';
import { createMD4 } from 'hash-wasm';
import { pph1Derive } from '../agent/password-hash/pph1.ts';

const PPH1 = /^v1;PPH1_MD4,([0-9a-f]+),(\d{1,7}),([0-9a-f]{64});$/;

export interface ParsedPph1 {
  readonly salt: Buffer;
  readonly iterations: number;
  readonly hash: Buffer;
}

export function parsePph1(stored: string): ParsedPph1 | undefined {
  const match = PPH1.exec(stored);
  if (!match || match[1]!.length % 2 !== 0) return undefined;
  const iterations = Number(match[2]);
  if (iterations < 1) return undefined;
  return { salt: Buffer.from(match[1]!, 'hex'), iterations, hash: Buffer.from(match[3]!, 'hex') };
}

export async function verifyPph1(password: string, stored: string): Promise<boolean> {
  const parsed = parsePph1(stored);
  if (!parsed) return false;
  const hasher = await createMD4();
  const bytes = Buffer.from(password, 'utf16le');
  hasher.init();
  hasher.update(bytes);
  bytes.fill(0);
  const ntHash = Buffer.from(hasher.digest('binary'));
  const derived = pph1Derive(ntHash, parsed.salt, parsed.iterations);
  ntHash.fill(0);
  return timingSafeEqual(derived, parsed.hash);
}
