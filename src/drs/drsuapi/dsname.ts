/**
 * DSNAME (MS-DRSR 5.50): an object's GUID, SID and DN in one conformant structure. This
 * client names objects by DN only (GUID and SID zero), which Samba and Windows accept.
 */
import type { NdrReader } from '../ndr/ndr-reader.ts';
import type { NdrWriter } from '../ndr/ndr-writer.ts';
import { NIL_UUID } from '../ndr/uuid.ts';

export interface DsName {
  readonly guid: string;
  /** The binary SID, or undefined when SidLen is 0. */
  readonly sid: Buffer | undefined;
  readonly dn: string;
}

const NT4SID_LENGTH = 28;

/** The DSNAME pointee: conformance, then structLen … StringName (NUL-terminated). */
export function writeDsName(w: NdrWriter, dn: string, guid = NIL_UUID): void {
  const name = Buffer.from(`${dn}\0`, 'utf16le');
  const chars = name.length / 2;
  w.u32(chars);
  // structLen excludes the 4-byte conformance (it counts the structure itself).
  w.u32(4 + 4 + 16 + NT4SID_LENGTH + 4 + name.length);
  w.u32(0); // SidLen
  w.uuid(guid);
  w.bytes(Buffer.alloc(NT4SID_LENGTH));
  w.u32(chars - 1); // NameLen excludes the terminating NUL
  w.bytes(name);
}

export function readDsName(r: NdrReader): DsName {
  const chars = r.count();
  r.u32(); // structLen
  const sidLength = r.u32();
  const guid = r.uuid();
  const sid = r.bytes(NT4SID_LENGTH);
  r.u32(); // NameLen
  const name = r.bytes(chars * 2).toString('utf16le');
  return { guid, sid: sidLength > 0 ? Buffer.from(sid.subarray(0, sidLength)) : undefined, dn: name.replace(/\0+$/, '') };
}
