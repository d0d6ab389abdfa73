/**
 * The schema prefix table (MS-DRSR 5.16.4): an ATTRTYP is a 16-bit index into a table of
 * BER-encoded OID prefixes plus the OID's last arc. The client sends its own table
 * (PrefixTableDest) for the attributes it asks for, and reads the server's
 * (PrefixTableSrc) to name the attributes it gets back.
 */
import type { NdrReader } from '../ndr/ndr-reader.ts';
import type { NdrWriter } from '../ndr/ndr-writer.ts';

export interface PrefixEntry {
  readonly ndx: number;
  readonly prefix: Buffer;
}

/** BER content octets of an OID (X.690 8.19): 40·a + b, then base-128 arcs. */
export function encodeOid(oid: string): Buffer {
  const arcs = oid.split('.').map((arc) => {
    if (!/^\d+$/.test(arc)) throw new TypeError(`not an OID: ${oid}`);
    return Number(arc);
  });
  if (arcs.length < 2) throw new TypeError(`not an OID: ${oid}`);
  const out: number[] = [];
  for (const arc of [arcs[0]! * 40 + arcs[1]!, ...arcs.slice(2)]) {
    const bytes = [arc & 0x7f];
    for (let rest = Math.floor(arc / 128); rest > 0; rest = Math.floor(rest / 128)) bytes.unshift((rest & 0x7f) | 0x80);
    out.push(...bytes);
  }
  return Buffer.from(out);
}

export function decodeOid(bytes: Uint8Array): string {
  const arcs: number[] = [];
  let value = 0;
  for (const byte of bytes) {
    value = value * 128 + (byte & 0x7f);
    if (byte & 0x80) continue;
    if (arcs.length === 0) arcs.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
    else arcs.push(value);
    value = 0;
  }
  return arcs.join('.');
}

/**
 * The first entries of every DC's prefix table (MS-DRSR 5.16.4, "initial prefix table");
 * a DC never renumbers them. Only the prefixes of attributes this client asks for.
 */
const INITIAL_PREFIXES: readonly [number, string][] = [
  [0, '2.5.4'],
  [1, '2.5.6'],
  [2, '1.2.840.113556.1.2'],
  [3, '1.2.840.113556.1.3'],
  [9, '1.2.840.113556.1.4'],
  [10, '1.2.840.113556.1.5'],
];

export class PrefixTable {
  constructor(readonly entries: PrefixEntry[] = [], private readonly fixed = false) {}

  /**
   * The DC's own numbering of the well-known prefixes. A request that sends no prefix table
   * names attributes in the DC's numbering: Samba then falls back to its local prefix map
   * (as Windows RODCs, which send none, rely on), while a table of our own would have to
   * end with a schemaInfo entry that Samba verifies. So requests use this fixed table.
   */
  static initial(): PrefixTable {
    return new PrefixTable(INITIAL_PREFIXES.map(([ndx, oid]) => ({ ndx, prefix: encodeOid(oid) })), true);
  }

  /** MakeAttid (MS-DRSR 5.16.4): adds the OID's prefix to the table when it is new. */
  makeAttid(oid: string): number {
    const encoded = encodeOid(oid);
    const last = Number(oid.slice(oid.lastIndexOf('.') + 1));
    const prefix = encoded.subarray(0, encoded.length - (last < 128 ? 1 : 2));
    let entry = this.entries.find((e) => e.prefix.equals(prefix));
    if (!entry) {
      if (this.fixed) throw new TypeError(`the attribute ${oid} is not under a well-known schema prefix; this client cannot name it`);
      entry = { ndx: this.entries.length, prefix: Buffer.from(prefix) };
      this.entries.push(entry);
    }
    const lower = (last % 16384) + (last >= 16384 ? 32768 : 0);
    return ((entry.ndx << 16) | lower) >>> 0;
  }

  /** OidFromAttid (MS-DRSR 5.16.4); undefined when the index is not in the table. */
  oidOf(attid: number): string | undefined {
    const entry = this.entries.find((e) => e.ndx === attid >>> 16);
    if (!entry) return undefined;
    let lower = attid & 0xffff;
    const tail: number[] = [];
    if (lower < 128) tail.push(lower);
    else {
      if (lower >= 32768) lower -= 32768;
      tail.push(((lower >> 7) & 0x7f) | 0x80, lower & 0x7f);
    }
    return decodeOid(Buffer.concat([entry.prefix, Buffer.from(tail)]));
  }

  /** SCHEMA_PREFIX_TABLE scalars: PrefixCount and the pPrefixEntry pointer. */
  writeScalars(w: NdrWriter): void {
    w.u32(this.entries.length);
    if (this.entries.length > 0) w.pointer();
    else w.nullPointer();
  }

  /** The deferred pPrefixEntry array (OID_t elements deferred after the array). */
  writeDeferred(w: NdrWriter): void {
    if (this.entries.length === 0) return;
    w.u32(this.entries.length);
    for (const entry of this.entries) w.u32(entry.ndx).u32(entry.prefix.length).pointer();
    for (const entry of this.entries) w.u32(entry.prefix.length).bytes(entry.prefix).align(4);
  }

  static readDeferred(r: NdrReader, count: number, present: boolean): PrefixTable {
    if (!present) return new PrefixTable();
    const n = r.count();
    if (n !== count) throw new RangeError(`prefix table has ${n} entries where PrefixCount says ${count}`);
    const heads: { ndx: number; length: number; pointer: number }[] = [];
    for (let i = 0; i < n; i++) heads.push({ ndx: r.u32(), length: r.u32(), pointer: r.pointer() });
    const entries = heads.map((head) => {
      if (head.pointer === 0) return { ndx: head.ndx, prefix: Buffer.alloc(0) };
      const length = r.count();
      const prefix = Buffer.from(r.bytes(length));
      return { ndx: head.ndx, prefix };
    });
    return new PrefixTable(entries);
  }
}
