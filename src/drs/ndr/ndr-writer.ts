/**
 * NDR 2.0 marshalling (C706 chapter 14), little-endian, for the few structures this client
 * sends. Alignment is relative to the start of the stub, which is what `offset` counts.
 * Pointers are written by the caller as referent ids in the structure, with their
 * pointees appended afterwards in the order C706 14.3.12.3 prescribes (deferred).
 */
import { uuidToBytes } from './uuid.ts';

export class NdrWriter {
  #buf = Buffer.alloc(256);
  #length = 0;
  #nextReferent = 0x20000;

  get offset(): number {
    return this.#length;
  }

  #reserve(n: number): number {
    if (this.#length + n > this.#buf.length) {
      const bigger = Buffer.alloc(Math.max(this.#buf.length * 2, this.#length + n));
      this.#buf.copy(bigger, 0, 0, this.#length);
      this.#buf.fill(0);
      this.#buf = bigger;
    }
    const at = this.#length;
    this.#length += n;
    return at;
  }

  align(n: number): this {
    const pad = (n - (this.#length % n)) % n;
    this.#reserve(pad);
    return this;
  }

  u8(value: number): this {
    const at = this.#reserve(1);
    this.#buf.writeUInt8(value, at);
    return this;
  }

  u16(value: number): this {
    this.align(2);
    const at = this.#reserve(2);
    this.#buf.writeUInt16LE(value, at);
    return this;
  }

  u32(value: number): this {
    this.align(4);
    const at = this.#reserve(4);
    this.#buf.writeUInt32LE(value >>> 0, at);
    return this;
  }

  u64(value: bigint): this {
    this.align(8);
    const at = this.#reserve(8);
    this.#buf.writeBigUInt64LE(value, at);
    return this;
  }

  bytes(data: Uint8Array): this {
    const at = this.#reserve(data.length);
    this.#buf.set(data, at);
    return this;
  }

  uuid(value: string): this {
    this.align(4);
    return this.bytes(uuidToBytes(value));
  }

  /** A non-null pointer's referent id (unique and full pointers alike). */
  pointer(): this {
    this.#nextReferent += 4;
    return this.u32(this.#nextReferent);
  }

  nullPointer(): this {
    return this.u32(0);
  }

  /** A copy of what was written; the working buffer is wiped (it may hold secrets). */
  finish(): Buffer {
    const out = Buffer.from(this.#buf.subarray(0, this.#length));
    this.#buf.fill(0);
    return out;
  }
}
