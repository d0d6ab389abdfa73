/**
 * IDL_DRSGetNCChanges reply, version 6 (MS-DRSR 4.1.10.2.10, DRS_MSG_GETCHGREPLY_V6), which
 * is what Samba answers a V8 request with when no compression was offered.
 *
 * NDR puts a structure's embedded pointees after it, depth first (C706 14.3.12.3). For the
 * REPLENTINFLIST chain this means: every entry's fixed part comes first (each entry's
 * pNextEntInf pointee is written before its other pointees), then the other pointees of
 * the last entry, then of the one before, back to the first.
 */
import { NdrReader } from '../ndr/ndr-reader.ts';
import { readDsName, type DsName } from './dsname.ts';
import { DrsError } from './drs-errors.ts';
import type { UsnVector } from './get-nc-changes-request.ts';
import { PrefixTable } from './prefix-table.ts';

export interface ReplicatedAttribute {
  readonly attid: number;
  /** Values as sent (secret attributes still encrypted). Views into the reply buffer. */
  readonly values: Buffer[];
}

export interface ReplicatedObject {
  readonly name: DsName;
  readonly attributes: ReplicatedAttribute[];
}

export interface GetNcChangesReply {
  readonly invocationId: string;
  readonly usnvecTo: UsnVector;
  readonly prefixTable: PrefixTable;
  readonly extendedRet: number;
  readonly moreData: boolean;
  readonly drsError: number;
  /** The objects in the order the server sent them. */
  readonly objects: ReplicatedObject[];
  /** The call's return value (a WERROR; 0 is success). */
  readonly status: number;
}

function readUsnVector(r: NdrReader): UsnVector {
  return { highObjUpdate: r.i64(), reserved: r.i64(), highPropUpdate: r.i64() };
}

interface EntryHead {
  next: number;
  name: number;
  attrCount: number;
  attrs: number;
  parentGuid: number;
  metaData: number;
}

function readEntryHead(r: NdrReader): EntryHead {
  const next = r.pointer();
  const name = r.pointer();
  r.u32(); // ulFlags
  const attrCount = r.u32();
  const attrs = r.pointer();
  r.u32(); // fIsNCPrefix
  const parentGuid = r.pointer();
  const metaData = r.pointer();
  return { next, name, attrCount, attrs, parentGuid, metaData };
}

function readAttributes(r: NdrReader, count: number): ReplicatedAttribute[] {
  if (r.count() !== count) throw new DrsError('ERR_DRS_BAD_REPLY', 'ATTRBLOCK count does not match its array');
  const heads: { attid: number; valCount: number; values: number }[] = [];
  for (let i = 0; i < count; i++) heads.push({ attid: r.u32(), valCount: r.u32(), values: r.pointer() });
  return heads.map((head) => {
    const values: Buffer[] = [];
    if (head.values !== 0) {
      r.count();
      const lengths: { length: number; pointer: number }[] = [];
      for (let i = 0; i < head.valCount; i++) lengths.push({ length: r.u32(), pointer: r.pointer() });
      for (const value of lengths) {
        if (value.pointer === 0) continue;
        const n = r.count();
        values.push(r.bytes(n));
      }
    }
    return { attid: head.attid, values };
  });
}

function skipMetaData(r: NdrReader): void {
  r.count();
  r.align(8);
  const props = r.u32();
  r.align(8);
  // PROPERTY_META_DATA_EXT: dwVersion, timeChanged, uuidDsaOriginating, usnOriginating = 40 bytes.
  r.bytes(props * 40);
}

function readObjects(r: NdrReader): ReplicatedObject[] {
  const heads: EntryHead[] = [readEntryHead(r)];
  while (heads[heads.length - 1]!.next !== 0) heads.push(readEntryHead(r));
  const objects: ReplicatedObject[] = new Array<ReplicatedObject>(heads.length);
  for (let i = heads.length - 1; i >= 0; i--) {
    const head = heads[i]!;
    if (head.name === 0) throw new DrsError('ERR_DRS_BAD_REPLY', 'a replicated object has no name');
    const name = readDsName(r);
    const attributes = head.attrs !== 0 ? readAttributes(r, head.attrCount) : [];
    if (head.parentGuid !== 0) r.uuid();
    if (head.metaData !== 0) skipMetaData(r);
    objects[i] = { name, attributes };
  }
  return objects;
}

export function decodeGetNcChanges(stub: Buffer): GetNcChangesReply {
  const r = new NdrReader(stub);
  const outVersion = r.u32();
  const discriminant = r.u32();
  if (outVersion !== 6 || discriminant !== 6) {
    // A failed call may carry no reply body; the status is then the last four bytes.
    const status = stub.length >= 4 ? stub.readUInt32LE(stub.length - 4) : 0;
    if (status !== 0) {
      return { invocationId: '', usnvecTo: { highObjUpdate: 0n, reserved: 0n, highPropUpdate: 0n }, prefixTable: new PrefixTable(), extendedRet: 0, moreData: false, drsError: status, objects: [], status };
    }
    throw new DrsError('ERR_DRS_BAD_REPLY', `GetNCChanges answered reply version ${outVersion}; this client reads version 6`);
  }
  r.align(8);
  r.uuid(); // uuidDsaObjSrc
  const invocationId = r.uuid();
  const nc = r.pointer();
  readUsnVector(r); // usnvecFrom
  const usnvecTo = readUsnVector(r);
  const upToDate = r.pointer();
  const prefixCount = r.u32();
  const prefixEntries = r.pointer();
  const extendedRet = r.u32();
  r.u32(); // cNumObjects
  r.u32(); // cNumBytes
  const objectsPointer = r.pointer();
  const moreData = r.u32() !== 0;
  r.u32(); // cNumNcSizeObjects
  r.u32(); // cNumNcSizeValues
  r.u32(); // cNumValues
  const values = r.pointer();
  const drsError = r.u32();
  // The return value is the stub's last four bytes, after the deferred data (rgValues).
  const status = stub.readUInt32LE(stub.length - 4);

  if (nc !== 0) readDsName(r);
  if (upToDate !== 0) {
    r.count();
    r.align(8);
    r.u32(); // dwVersion
    r.u32();
    const cursors = r.u32();
    r.u32();
    r.align(8);
    r.bytes(cursors * 32); // UPTODATE_CURSOR_V2
  }
  const prefixTable = PrefixTable.readDeferred(r, prefixCount, prefixEntries !== 0);
  const objects = objectsPointer !== 0 ? readObjects(r) : [];
  void values; // linked values (rgValues) are not read: no attribute asked for is linked.
  return { invocationId, usnvecTo, prefixTable, extendedRet, moreData, drsError, objects, status };
}
