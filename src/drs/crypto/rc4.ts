/**
 * RC4 (the stream cipher of NTLM sealing, MS-NLMP 3.4.3, and of MS-DRSR secret attributes,
 * 4.1.10.6.11). Hand-written on purpose: Node 20's OpenSSL 3 keeps `rc4` in the legacy
 * provider, so `createCipheriv('rc4')` throws ERR_OSSL_EVP_UNSUPPORTED unless the whole
 * process runs with --openssl-legacy-provider, which an agent should not impose. The
 * algorithm is fifteen lines and is tested against RFC 6229's vectors.
 *
 * One instance is one keystream: NTLM sealing keeps a handle per direction for the whole
 * connection (the signature's checksum is encrypted with the same stream as the stub).
 */
export class Rc4 {
  readonly #s = new Uint8Array(256);
  #i = 0;
  #j = 0;

  constructor(key: Uint8Array) {
    if (key.length === 0) throw new TypeError('RC4 key must not be empty');
    const s = this.#s;
    for (let i = 0; i < 256; i++) s[i] = i;
    let j = 0;
    for (let i = 0; i < 256; i++) {
      j = (j + s[i]! + key[i % key.length]!) & 0xff;
      const t = s[i]!;
      s[i] = s[j]!;
      s[j] = t;
    }
  }

  /** Encrypts or decrypts (the same operation) into a new buffer, advancing the stream. */
  update(data: Uint8Array): Buffer {
    const out = Buffer.allocUnsafe(data.length);
    const s = this.#s;
    let i = this.#i;
    let j = this.#j;
    for (let n = 0; n < data.length; n++) {
      i = (i + 1) & 0xff;
      j = (j + s[i]!) & 0xff;
      const t = s[i]!;
      s[i] = s[j]!;
      s[j] = t;
      out[n] = data[n]! ^ s[(s[i]! + s[j]!) & 0xff]!;
    }
    this.#i = i;
    this.#j = j;
    return out;
  }

  /** Overwrites the state (used when a handle holding key material is dropped). */
  wipe(): void {
    this.#s.fill(0);
  }
}

/** One-shot RC4 with a fresh keystream. */
export function rc4(key: Uint8Array, data: Uint8Array): Buffer {
  const cipher = new Rc4(key);
  const out = cipher.update(data);
  cipher.wipe();
  return out;
}
