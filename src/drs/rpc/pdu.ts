/**
 * Connection-oriented DCE/RPC PDUs (C706 chapter 12, MS-RPCE 2.2.2): the common 16-byte
 * header, bind / bind_ack / auth3 for presentation and security context set-up, and the
 * auth verifier (sec_trailer, MS-RPCE 2.2.2.11) that follows an authenticated PDU's body.
 */
import { uuidToBytes } from '../ndr/uuid.ts';

export const PType = { REQUEST: 0, RESPONSE: 2, FAULT: 3, BIND: 11, BIND_ACK: 12, BIND_NAK: 13, AUTH3: 16 } as const;
export const PFC_FIRST_FRAG = 0x01;
export const PFC_LAST_FRAG = 0x02;
export const HEADER_LENGTH = 16;
export const REQUEST_HEADER_LENGTH = 24;
export const SEC_TRAILER_LENGTH = 8;
/** RPC_C_AUTHN_WINNT (MS-RPCE 2.2.1.1.7) and RPC_C_AUTHN_LEVEL_PKT_PRIVACY (2.2.1.1.8). */
export const AUTHN_WINNT = 10;
export const AUTHN_LEVEL_PKT_PRIVACY = 6;
/** MS-RPCE 2.2.2.11: the sec_trailer starts on a 16-byte boundary of the PDU. */
export const AUTH_PAD_ALIGNMENT = 16;
/** The fragment size Windows and Samba use; Samba answers in fragments of about this size. */
export const MAX_FRAGMENT = 4280;

/** The NDR 2.0 transfer syntax, 8a885d04-1ceb-11c9-9fe8-08002b104860 version 2. */
const NDR_SYNTAX = { uuid: '8a885d04-1ceb-11c9-9fe8-08002b104860', major: 2, minor: 0 };

export interface Interface {
  readonly uuid: string;
  readonly major: number;
  readonly minor: number;
}

export interface PduHeader {
  readonly type: number;
  readonly flags: number;
  readonly fragLength: number;
  readonly authLength: number;
  readonly callId: number;
}

export function writeHeader(out: Buffer, header: PduHeader): void {
  out.writeUInt8(5, 0);
  out.writeUInt8(0, 1);
  out.writeUInt8(header.type, 2);
  out.writeUInt8(header.flags, 3);
  // Data representation: little-endian integers, ASCII, IEEE floats.
  out.writeUInt32LE(0x00000010, 4);
  out.writeUInt16LE(header.fragLength, 8);
  out.writeUInt16LE(header.authLength, 10);
  out.writeUInt32LE(header.callId, 12);
}

export function readHeader(pdu: Buffer): PduHeader {
  if (pdu.readUInt8(0) !== 5) throw new RangeError(`not a DCE/RPC version 5 PDU (version ${pdu.readUInt8(0)})`);
  if ((pdu.readUInt8(4) & 0xf0) !== 0x10) throw new RangeError('the server sent a big-endian PDU, which this client does not read');
  return {
    type: pdu.readUInt8(2),
    flags: pdu.readUInt8(3),
    fragLength: pdu.readUInt16LE(8),
    authLength: pdu.readUInt16LE(10),
    callId: pdu.readUInt32LE(12),
  };
}

export function secTrailer(padLength: number, contextId: number): Buffer {
  const out = Buffer.alloc(SEC_TRAILER_LENGTH);
  out.writeUInt8(AUTHN_WINNT, 0);
  out.writeUInt8(AUTHN_LEVEL_PKT_PRIVACY, 1);
  out.writeUInt8(padLength, 2);
  out.writeUInt32LE(contextId, 4);
  return out;
}

function syntax(id: Interface): Buffer {
  const out = Buffer.alloc(20);
  uuidToBytes(id.uuid).copy(out, 0);
  out.writeUInt16LE(id.major, 16);
  out.writeUInt16LE(id.minor, 18);
  return out;
}

/** bind (C706 12.6.4.3) with one presentation context (id 0) and an optional auth token. */
export function buildBind(callId: number, iface: Interface, auth?: { token: Buffer; contextId: number }): Buffer {
  const body = Buffer.alloc(12 + 4 + 40);
  body.writeUInt16LE(MAX_FRAGMENT, 0);
  body.writeUInt16LE(MAX_FRAGMENT, 2);
  body.writeUInt32LE(0, 4);
  body.writeUInt8(1, 8); // n_context_elem
  body.writeUInt16LE(0, 12); // p_cont_id
  body.writeUInt8(1, 14); // n_transfer_syn
  syntax(iface).copy(body, 16);
  syntax(NDR_SYNTAX).copy(body, 36);
  const trailer = auth ? Buffer.concat([secTrailer(0, auth.contextId), auth.token]) : Buffer.alloc(0);
  return withHeader(PType.BIND, callId, Buffer.concat([body, trailer]), auth?.token.length ?? 0);
}

/** rpc_auth_3 (MS-RPCE 2.2.2.5): four bytes of padding, then the verifier. */
export function buildAuth3(callId: number, token: Buffer, contextId: number): Buffer {
  return withHeader(PType.AUTH3, callId, Buffer.concat([Buffer.alloc(4), secTrailer(0, contextId), token]), token.length);
}

function withHeader(type: number, callId: number, body: Buffer, authLength: number): Buffer {
  const out = Buffer.alloc(HEADER_LENGTH + body.length);
  writeHeader(out, { type, flags: PFC_FIRST_FRAG | PFC_LAST_FRAG, fragLength: out.length, authLength, callId });
  body.copy(out, HEADER_LENGTH);
  return out;
}

export interface BindAck {
  readonly maxXmit: number;
  readonly accepted: boolean;
  readonly reason: number;
  readonly authToken: Buffer | undefined;
}

/** bind_ack (C706 12.6.4.4): the first result says whether our context was accepted. */
export function parseBindAck(pdu: Buffer): BindAck {
  const header = readHeader(pdu);
  const maxXmit = pdu.readUInt16LE(16);
  const secAddrLength = pdu.readUInt16LE(24);
  let at = 26 + secAddrLength;
  at += (4 - (at % 4)) % 4;
  const results = pdu.readUInt8(at);
  const result = results > 0 ? pdu.readUInt16LE(at + 4) : 2;
  const reason = results > 0 ? pdu.readUInt16LE(at + 6) : 0;
  const authToken = header.authLength > 0 ? Buffer.from(pdu.subarray(header.fragLength - header.authLength, header.fragLength)) : undefined;
  return { maxXmit, accepted: result === 0, reason, authToken };
}
