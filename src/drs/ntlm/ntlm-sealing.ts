/**
 * NTLM message confidentiality and integrity with extended session security and key
 * exchange (MS-NLMP 3.4.3, 3.4.4.2): each direction has its own signing key, its own RC4
 * handle (which runs on across messages) and its own sequence number. Sealing a message
 * encrypts it with the handle, then the 8-byte HMAC-MD5 checksum of (seq ‖ message) is
 * encrypted with the same handle, so the order of calls matters and is kept here.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Rc4 } from '../crypto/rc4.ts';
import { NtlmError } from './ntlm-messages.ts';

export interface DirectionKeys {
  readonly sign: Buffer;
  readonly seal: Buffer;
}

class Direction {
  readonly rc4: Rc4;
  seq = 0;

  constructor(readonly keys: DirectionKeys) {
    this.rc4 = new Rc4(keys.seal);
  }

  checksum(signed: Buffer): Buffer {
    const seq = Buffer.alloc(4);
    seq.writeUInt32LE(this.seq);
    return createHmac('md5', this.keys.sign).update(seq).update(signed).digest().subarray(0, 8);
  }

  signature(checksum: Buffer): Buffer {
    const out = Buffer.alloc(16);
    out.writeUInt32LE(1, 0);
    this.rc4.update(checksum).copy(out, 4);
    out.writeUInt32LE(this.seq, 12);
    this.seq = (this.seq + 1) >>> 0;
    return out;
  }

  wipe(): void {
    this.rc4.wipe();
    this.keys.sign.fill(0);
    this.keys.seal.fill(0);
  }
}

export const SIGNATURE_LENGTH = 16;

export class NtlmSealing {
  readonly #out: Direction;
  readonly #in: Direction;

  constructor(clientToServer: DirectionKeys, serverToClient: DirectionKeys) {
    this.#out = new Direction(clientToServer);
    this.#in = new Direction(serverToClient);
  }

  /**
   * Seals `message` and signs `signed(plain)`: in DCE/RPC (MS-RPCE 3.3.1.5.2.2) the signature
   * covers the whole PDU with the plaintext stub, while only the stub is encrypted.
   */
  seal(message: Buffer, signed: Buffer): { sealed: Buffer; signature: Buffer } {
    const sealed = this.#out.rc4.update(message);
    const signature = this.#out.signature(this.#out.checksum(signed));
    return { sealed, signature };
  }

  /**
   * Decrypts a sealed message from the server and checks its signature over
   * `signedOf(plain)`. Throws when the signature or sequence number does not match.
   */
  unseal(sealed: Buffer, signature: Buffer, signedOf: (plain: Buffer) => Buffer): Buffer {
    if (signature.length !== SIGNATURE_LENGTH || signature.readUInt32LE(0) !== 1) {
      throw new NtlmError('the server sent a malformed NTLM signature');
    }
    const plain = this.#in.rc4.update(sealed);
    const expected = this.#in.checksum(signedOf(plain));
    const received = this.#in.rc4.update(signature.subarray(4, 12));
    const seq = signature.readUInt32LE(12);
    if (seq !== this.#in.seq || !timingSafeEqual(expected, received)) {
      plain.fill(0);
      throw new NtlmError(`the server's NTLM signature does not verify (sequence ${seq}, expected ${this.#in.seq})`);
    }
    this.#in.seq = (this.#in.seq + 1) >>> 0;
    return plain;
  }

  wipe(): void {
    this.#out.wipe();
    this.#in.wipe();
  }
}
