/**
 * IDL_DRSBind (MS-DRSR 4.1.3): announces the client's DRS extensions and returns the
 * context handle every later call names.
 */
import { NdrReader } from '../ndr/ndr-reader.ts';
import { NdrWriter } from '../ndr/ndr-writer.ts';
import { NIL_UUID } from '../ndr/uuid.ts';
import { DrsExtension } from './drs-constants.ts';

/** NTDSAPI_CLIENT_GUID (MS-DRSR 4.1.3.2): a client that is not a DC binds with this GUID. */
export const NTDSAPI_CLIENT_GUID = 'e24d201a-4fd6-11d1-a3da-0000f875ae0d';

export function encodeDrsBind(): Buffer {
  // DRS_EXTENSIONS_INT (5.39) from dwFlags on: rgb starts after cb, so cb is not repeated.
  const ext = new NdrWriter();
  ext.u32(DrsExtension.BASE | DrsExtension.GETCHGREQ_V6 | DrsExtension.GETCHGREPLY_V6 | DrsExtension.GETCHGREQ_V8 | DrsExtension.STRONG_ENCRYPTION);
  ext.uuid(NIL_UUID); // SiteObjGuid
  ext.u32(0); // Pid
  ext.u32(0); // dwReplEpoch
  ext.u32(0); // dwFlagsExt
  ext.uuid(NIL_UUID); // ConfigObjGUID
  ext.u32(0); // dwExtCaps
  const rgb = ext.finish();

  const w = new NdrWriter();
  w.pointer().uuid(NTDSAPI_CLIENT_GUID); // puuidClientDsa (unique pointer, pointee follows)
  w.pointer(); // pextClient
  w.u32(rgb.length); // conformance
  w.u32(rgb.length).bytes(rgb); // cb, rgb
  return w.finish();
}

export interface DrsBindResult {
  readonly handle: Buffer;
  readonly serverFlags: number;
  readonly status: number;
}

export function decodeDrsBind(stub: Buffer): DrsBindResult {
  const r = new NdrReader(stub);
  let serverFlags = 0;
  if (r.pointer() !== 0) {
    r.count();
    const cb = r.u32();
    const rgb = r.bytes(cb);
    serverFlags = cb >= 4 ? rgb.readUInt32LE(0) : 0;
  }
  const handle = Buffer.from(r.bytes(20));
  return { handle, serverFlags, status: r.u32() };
}
