/**
 * Single DES, as MS-SAMR 2.2.11.1 uses it to wrap an NT hash under keys derived from the
 * account's RID. Node 20's default OpenSSL 3 provider has no `des-ecb`, but it has
 * `des-ede3-ecb`, and triple DES with K1 = K2 = K3 is single DES (EDE: E_K(D_K(E_K(x))) =
 * E_K(x)). So no legacy provider and no hand-written DES: only the 56-to-64-bit key
 * expansion below, which no library offers on its own.
 */
import { createDecipheriv } from 'node:crypto';

/** Spreads 7 key bytes over 8 (7 bits each, low bit left for parity), MS-SAMR 2.2.11.1.2. */
export function expandDesKey(key7: Uint8Array): Buffer {
  if (key7.length !== 7) throw new TypeError(`a 56-bit DES key has 7 bytes, not ${key7.length}`);
  const k = key7;
  const out = Buffer.from([
    k[0]! >> 1,
    ((k[0]! & 0x01) << 6) | (k[1]! >> 2),
    ((k[1]! & 0x03) << 5) | (k[2]! >> 3),
    ((k[2]! & 0x07) << 4) | (k[3]! >> 4),
    ((k[3]! & 0x0f) << 3) | (k[4]! >> 5),
    ((k[4]! & 0x1f) << 2) | (k[5]! >> 6),
    ((k[5]! & 0x3f) << 1) | (k[6]! >> 7),
    k[6]! & 0x7f,
  ]);
  for (let i = 0; i < 8; i++) out[i] = (out[i]! << 1) & 0xfe;
  return out;
}

/** Decrypts one 8-byte block with single DES (ECB, no padding). */
export function desDecryptBlock(key8: Uint8Array, block: Uint8Array): Buffer {
  if (key8.length !== 8 || block.length !== 8) throw new TypeError('single DES takes an 8-byte key and an 8-byte block');
  const key = Buffer.concat([key8, key8, key8]);
  const decipher = createDecipheriv('des-ede3-ecb', key, null).setAutoPadding(false);
  const out = Buffer.concat([decipher.update(block), decipher.final()]);
  key.fill(0);
  return out;
}

/**
 * Removes the RID-keyed DES layer from a 16-byte NT hash (MS-SAMR 2.2.11.1.3 and 2.2.11.1.1:
 * the two 7-byte keys are the RID's little-endian bytes repeated as 0123012 and 3012301).
 */
export function decryptWithRid(data: Uint8Array, rid: number): Buffer {
  if (data.length !== 16) throw new TypeError(`a RID-encrypted hash has 16 bytes, not ${data.length}`);
  const r = Buffer.alloc(4);
  r.writeUInt32LE(rid >>> 0);
  const key1 = expandDesKey(Buffer.from([r[0]!, r[1]!, r[2]!, r[3]!, r[0]!, r[1]!, r[2]!]));
  const key2 = expandDesKey(Buffer.from([r[3]!, r[0]!, r[1]!, r[2]!, r[3]!, r[0]!, r[1]!]));
  const first = desDecryptBlock(key1, data.subarray(0, 8));
  const second = desDecryptBlock(key2, data.subarray(8, 16));
  const out = Buffer.concat([first, second]);
  for (const b of [key1, key2, first, second]) b.fill(0);
  return out;
}
