/**
 * Errors of the DCE/RPC layer. A fault carries the status the server sent (C706 appendix E,
 * MS-RPCE 2.2.2.7, or a Win32 code such as 5, access denied).
 */
const KNOWN_STATUS: Record<number, string> = {
  0x00000005: 'access denied',
  0x000006d9: 'no endpoint is registered for the interface (EPT_S_NOT_REGISTERED)',
  0x1c010002: 'operation number out of range (nca_s_op_rng_error)',
  0x1c010003: 'unknown interface (nca_s_unk_if)',
  0x1c00001a: 'the stub could not unmarshal the request (nca_s_fault_ndr)',
  0x1c01000b: 'protocol error (nca_s_proto_error)',
  0x00000721: 'security package error (RPC_S_SEC_PKG_ERROR)',
};

/** Statuses a server answers the first sealed call with when the NTLM logon in auth3 failed. */
export const LOGON_FAILURE_STATUSES: ReadonlySet<number> = new Set([0x00000005, 0x1c01000b]);

export class RpcError extends Error {
  override readonly name = 'RpcError';
}

export class RpcFault extends RpcError {
  constructor(readonly status: number, operation: string) {
    super(`${operation} failed with RPC fault 0x${status.toString(16).padStart(8, '0')}${KNOWN_STATUS[status] ? ` (${KNOWN_STATUS[status]})` : ''}`);
  }
}
