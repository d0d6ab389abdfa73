/**
 * Decrypts a secret attribute value (MS-DRSR 4.1.10.6.11, 5.48 ENCRYPTED_PAYLOAD): the key
 * is MD5(session key ‖ 16-byte salt), the rest is RC4 under it, and the plaintext starts
 * with a CRC32 of the data that follows. For unicodePwd the data is the NT hash under a
 * further DES layer keyed by the object's RID (MS-SAMR 2.2.11.1.3), removed by ntHashFrom.
 */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { decryptWithRid } from '../crypto/des.ts';
import { rc4 } from '../crypto/rc4.ts';
import { DrsError } from './drs-errors.ts';

const SALT_LENGTH = 16;

export function decryptSecretValue(value: Buffer, sessionKey: Buffer): Buffer {
  if (value.length < SALT_LENGTH + 4) throw new DrsError('ERR_DRS_BAD_REPLY', `encrypted value of ${value.length} bytes is too short`);
  const key = createHash('md5').update(sessionKey).update(value.subarray(0, SALT_LENGTH)).digest();
  const plain = rc4(key, value.subarray(SALT_LENGTH));
  key.fill(0);
  const data = Buffer.from(plain.subarray(4));
  const expected = plain.readUInt32LE(0);
  plain.fill(0);
  if (crc32(data) !== expected) {
    data.fill(0);
    throw new DrsError('ERR_DRS_SECRET_CHECKSUM', 'a secret attribute failed its CRC32 check: the session key does not match');
  }
  return data;
}

/** The 16-byte NT hash from an encrypted unicodePwd value and the object's RID. */
export function ntHashFrom(value: Buffer, sessionKey: Buffer, rid: number): Buffer {
  const inner = decryptSecretValue(value, sessionKey);
  try {
    return decryptWithRid(inner, rid);
  } finally {
    inner.fill(0);
  }
}

/** The RID: the last sub-authority of a binary SID (MS-DTYP 2.4.2.2). */
export function ridOf(sid: Buffer): number {
  if (sid.length < 12) throw new DrsError('ERR_DRS_BAD_REPLY', `a SID of ${sid.length} bytes has no RID`);
  return sid.readUInt32LE(sid.length - 4);
}
