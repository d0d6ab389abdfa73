/**
 * NDR 2.0 unmarshalling (C706 chapter 14), little-endian. Offsets and alignment are
 * relative to the start of the stub. Running past the end throws an NdrError rather than
 * reading zeros, so a layout mistake surfaces as an error, never as wrong data.
 */
import { uuidFromBytes } from './uuid.ts';

export class NdrError extends Error {
  override readonly name = 'NdrError';
}

export class NdrReader {
  #at = 0;

  constructor(readonly data: Buffer) {}

  get offset(): number {
    return this.#at;
  }

  #take(n: number): number {
    if (this.#at + n > this.data.length) {
      throw new NdrError(`NDR data ends at ${this.data.length} bytes; needed ${n} more at offset ${this.#at}`);
    }
    const at = this.#at;
    this.#at += n;
    return at;
  }

  align(n: number): this {
    this.#at += (n - (this.#at % n)) % n;
    return this;
  }

  u8(): number {
    return this.data.readUInt8(this.#take(1));
  }

  u16(): number {
    this.align(2);
    return this.data.readUInt16LE(this.#take(2));
  }

  u32(): number {
    this.align(4);
    return this.data.readUInt32LE(this.#take(4));
  }

  i64(): bigint {
    this.align(8);
    return this.data.readBigInt64LE(this.#take(8));
  }

  u64(): bigint {
    this.align(8);
    return this.data.readBigUInt64LE(this.#take(8));
  }

  /** A view (not a copy) of the next n bytes. */
  bytes(n: number): Buffer {
    const at = this.#take(n);
    return this.data.subarray(at, at + n);
  }

  uuid(): string {
    this.align(4);
    return uuidFromBytes(this.bytes(16));
  }

  /** A pointer's referent id; 0 is a null pointer. */
  pointer(): number {
    return this.u32();
  }

  /** A conformant array's max_count, with a sanity bound so garbage cannot allocate gigabytes. */
  count(limit = 16 * 1024 * 1024): number {
    const n = this.u32();
    if (n > limit) throw new NdrError(`NDR count ${n} at offset ${this.#at - 4} exceeds ${limit}`);
    return n;
  }
}
