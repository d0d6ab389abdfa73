/**
 * MD4 (RFC 1320) for NTOWF (MS-NLMP 3.3.2): Node 20's OpenSSL 3 has it only in the legacy
 * provider (createHash('md4') throws ERR_OSSL_EVP_UNSUPPORTED), so it comes from hash-wasm,
 * a maintained, dependency-free library, rather than from a hand-written copy.
 */
import { createMD4 } from 'hash-wasm';

export async function md4(data: Uint8Array): Promise<Buffer> {
  const hasher = await createMD4();
  hasher.init();
  hasher.update(data);
  return Buffer.from(hasher.digest('binary'));
}

/** The NT hash of a password: MD4 of its UTF-16LE form (MS-NLMP 3.3.1, NTOWFv1). */
export async function ntHashOf(password: string): Promise<Buffer> {
  const bytes = Buffer.from(password, 'utf16le');
  try {
    return await md4(bytes);
  } finally {
    bytes.fill(0);
  }
}
