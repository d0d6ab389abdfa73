/**
 * IDL_DRSGetNCChanges request, version 8 (MS-DRSR 4.1.10.2.1, DRS_MSG_GETCHGREQ_V8).
 */
import { NdrWriter } from '../ndr/ndr-writer.ts';
import { NIL_UUID } from '../ndr/uuid.ts';
import { ExtendedOp } from './drs-constants.ts';
import { writeDsName } from './dsname.ts';
import type { PrefixTable } from './prefix-table.ts';

/** USN_VECTOR (MS-DRSR 5.210): where a replication pass resumes. */
export interface UsnVector {
  readonly highObjUpdate: bigint;
  readonly reserved: bigint;
  readonly highPropUpdate: bigint;
}

export const USN_ZERO: UsnVector = { highObjUpdate: 0n, reserved: 0n, highPropUpdate: 0n };

export interface GetNcChangesRequest {
  readonly handle: Buffer;
  /** The client's DSA GUID (uuidDsaObjDest). */
  readonly destinationDsa: string;
  /** The source DC's invocation ID from the previous reply of this pass, else nil. */
  readonly invocationId?: string;
  /** The naming context, or for an extended operation the object, by DN. */
  readonly dn: string;
  readonly from?: UsnVector;
  readonly flags: number;
  readonly maxObjects: number;
  readonly maxBytes?: number;
  readonly extendedOp?: number;
  /** ATTIDs (in `prefixTable`'s numbering) to return; every attribute when absent. */
  readonly partialAttributeSet?: readonly number[];
  readonly prefixTable: PrefixTable;
}

export function encodeGetNcChanges(request: GetNcChangesRequest): Buffer {
  const w = new NdrWriter();
  w.bytes(request.handle);
  w.u32(8); // dwInVersion
  w.u32(8); // union discriminant, then the V8 arm aligned to 8
  w.align(8);
  w.uuid(request.destinationDsa);
  w.uuid(request.invocationId ?? NIL_UUID);
  w.pointer(); // pNC
  const from = request.from ?? USN_ZERO;
  w.u64(from.highObjUpdate).u64(from.reserved).u64(from.highPropUpdate);
  w.nullPointer(); // pUpToDateVecDest
  w.u32(request.flags);
  w.u32(request.maxObjects);
  w.u32(request.maxBytes ?? 0);
  w.u32(request.extendedOp ?? ExtendedOp.NONE);
  w.u64(0n); // liFsmoInfo
  const partial = request.partialAttributeSet;
  if (partial && partial.length > 0) w.pointer();
  else w.nullPointer();
  w.nullPointer(); // pPartialAttrSetEx
  request.prefixTable.writeScalars(w);

  // Deferred pointees, in the order of their pointers (C706 14.3.12.3).
  writeDsName(w, request.dn);
  if (partial && partial.length > 0) {
    // PARTIAL_ATTR_VECTOR_V1_EXT (5.146): conformance, dwVersion 1, reserved, cAttrs, ATTIDs.
    w.u32(partial.length).u32(1).u32(0).u32(partial.length);
    for (const attid of partial) w.u32(attid);
  }
  request.prefixTable.writeDeferred(w);
  return w.finish();
}
