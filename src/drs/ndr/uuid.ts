/**
 * UUIDs on the wire (C706 appendix A, MS-DTYP 2.3.4.2): the first three fields are
 * little-endian integers, the last eight bytes go as they are.
 */
export function uuidToBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new TypeError(`not a UUID: ${uuid}`);
  const raw = Buffer.from(hex, 'hex');
  const out = Buffer.alloc(16);
  out.writeUInt32LE(raw.readUInt32BE(0), 0);
  out.writeUInt16LE(raw.readUInt16BE(4), 4);
  out.writeUInt16LE(raw.readUInt16BE(6), 6);
  raw.copy(out, 8, 8, 16);
  return out;
}

export function uuidFromBytes(bytes: Uint8Array): string {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, 16);
  const raw = Buffer.alloc(16);
  raw.writeUInt32BE(b.readUInt32LE(0), 0);
  raw.writeUInt16BE(b.readUInt16LE(4), 4);
  raw.writeUInt16BE(b.readUInt16LE(6), 6);
  b.copy(raw, 8, 8, 16);
  const h = raw.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export const NIL_UUID = '00000000-0000-0000-0000-000000000000';
