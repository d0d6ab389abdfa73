/**
 * One DCE/RPC association over TCP (ncacn_ip_tcp) with one presentation context, either
 * unauthenticated (for the endpoint mapper) or with NTLM at packet privacy (MS-RPCE
 * 3.3.1.5.2): bind carries NEGOTIATE, bind_ack carries CHALLENGE, auth3 carries
 * AUTHENTICATE. Every request and response fragment is then sealed and signed on its own,
 * with a sequence number per direction (MS-NLMP 3.4.4.2).
 */
import { NtlmClient, type NtlmCredentials } from '../ntlm/ntlm-client.ts';
import type { NtlmSealing } from '../ntlm/ntlm-sealing.ts';
import { SIGNATURE_LENGTH } from '../ntlm/ntlm-sealing.ts';
import {
  AUTH_PAD_ALIGNMENT, type Interface, MAX_FRAGMENT, PFC_FIRST_FRAG, PFC_LAST_FRAG, PType, REQUEST_HEADER_LENGTH,
  SEC_TRAILER_LENGTH, buildAuth3, buildBind, parseBindAck, readHeader, secTrailer, writeHeader,
} from './pdu.ts';
import { PduSocket } from './pdu-socket.ts';
import { RpcError, RpcFault } from './rpc-errors.ts';

const AUTH_CONTEXT_ID = 1;

export interface RpcConnectOptions {
  readonly host: string;
  readonly port: number;
  readonly timeoutMs: number;
}

export class RpcConnection {
  #callId = 1;
  #maxXmit = MAX_FRAGMENT;
  #sealing: NtlmSealing | undefined;
  #sessionKey: Buffer | undefined;

  private constructor(private readonly socket: PduSocket) {}

  static async open(options: RpcConnectOptions): Promise<RpcConnection> {
    return new RpcConnection(await PduSocket.open(options.host, options.port, options.timeoutMs));
  }

  get peer(): string {
    return this.socket.peer;
  }

  /** The NTLM exported session key (MS-DRSR 4.1.10.6.11 keys secret attributes with it). */
  get sessionKey(): Buffer {
    if (!this.#sessionKey) throw new RpcError('the connection has no security context, so no session key');
    return this.#sessionKey;
  }

  async bind(iface: Interface, credentials?: NtlmCredentials): Promise<void> {
    const ntlm = credentials ? new NtlmClient(credentials) : undefined;
    const callId = this.#callId++;
    this.socket.write(buildBind(callId, iface, ntlm ? { token: ntlm.negotiateMessage, contextId: AUTH_CONTEXT_ID } : undefined));
    const reply = await this.socket.read();
    const header = readHeader(reply);
    if (header.type === PType.BIND_NAK) {
      throw new RpcError(`${this.peer} refused the bind to ${iface.uuid} (bind_nak reason ${reply.length >= 18 ? reply.readUInt16LE(16) : 'unknown'})`);
    }
    if (header.type !== PType.BIND_ACK) throw new RpcError(`${this.peer} answered bind with PDU type ${header.type}`);
    const ack = parseBindAck(reply);
    if (!ack.accepted) throw new RpcError(`${this.peer} rejected the presentation context for ${iface.uuid} (reason ${ack.reason})`);
    this.#maxXmit = Math.min(ack.maxXmit, MAX_FRAGMENT);
    if (!ntlm) return;
    if (!ack.authToken) throw new RpcError(`${this.peer} sent no NTLM challenge in its bind_ack`);
    const result = await ntlm.authenticate(ack.authToken);
    this.socket.write(buildAuth3(callId, result.authenticateMessage, AUTH_CONTEXT_ID));
    this.#sealing = result.sealing;
    this.#sessionKey = result.sessionKey;
  }

  /** Calls operation `opnum` with an NDR stub and returns the response stub (fragments joined). */
  async call(opnum: number, stub: Buffer, operation: string): Promise<Buffer> {
    const callId = this.#callId++;
    this.socket.write(this.#request(callId, opnum, stub));
    const parts: Buffer[] = [];
    for (;;) {
      const pdu = await this.socket.read();
      const header = readHeader(pdu);
      if (header.callId !== callId) throw new RpcError(`${this.peer} answered call ${header.callId} while ${callId} was waiting`);
      if (header.type === PType.FAULT) throw new RpcFault(pdu.readUInt32LE(24), operation);
      if (header.type !== PType.RESPONSE) throw new RpcError(`${this.peer} answered ${operation} with PDU type ${header.type}`);
      parts.push(this.#responseStub(pdu, header.fragLength, header.authLength));
      if (header.flags & PFC_LAST_FRAG) break;
    }
    const joined = Buffer.concat(parts);
    for (const part of parts) part.fill(0);
    return joined;
  }

  #request(callId: number, opnum: number, stub: Buffer): Buffer {
    const sealing = this.#sealing;
    const pad = sealing ? (AUTH_PAD_ALIGNMENT - ((REQUEST_HEADER_LENGTH + stub.length) % AUTH_PAD_ALIGNMENT)) % AUTH_PAD_ALIGNMENT : 0;
    const authLength = sealing ? SIGNATURE_LENGTH : 0;
    const fragLength = REQUEST_HEADER_LENGTH + stub.length + pad + (sealing ? SEC_TRAILER_LENGTH + authLength : 0);
    // Requests here are a few hundred bytes; splitting a request is not needed, so refuse loudly.
    if (fragLength > this.#maxXmit) throw new RpcError(`request of ${fragLength} bytes exceeds the ${this.#maxXmit}-byte fragment size`);
    const pdu = Buffer.alloc(fragLength);
    writeHeader(pdu, { type: PType.REQUEST, flags: PFC_FIRST_FRAG | PFC_LAST_FRAG, fragLength, authLength, callId });
    pdu.writeUInt32LE(stub.length, 16); // alloc_hint
    pdu.writeUInt16LE(0, 20); // p_cont_id
    pdu.writeUInt16LE(opnum, 22);
    stub.copy(pdu, REQUEST_HEADER_LENGTH);
    if (!sealing) return pdu;
    const trailerAt = REQUEST_HEADER_LENGTH + stub.length + pad;
    secTrailer(pad, AUTH_CONTEXT_ID).copy(pdu, trailerAt);
    const body = pdu.subarray(REQUEST_HEADER_LENGTH, trailerAt);
    const { sealed, signature } = sealing.seal(Buffer.from(body), pdu.subarray(0, trailerAt + SEC_TRAILER_LENGTH));
    sealed.copy(pdu, REQUEST_HEADER_LENGTH);
    signature.copy(pdu, trailerAt + SEC_TRAILER_LENGTH);
    return pdu;
  }

  #responseStub(pdu: Buffer, fragLength: number, authLength: number): Buffer {
    const sealing = this.#sealing;
    if (!sealing) return Buffer.from(pdu.subarray(REQUEST_HEADER_LENGTH, fragLength));
    if (authLength !== SIGNATURE_LENGTH) throw new RpcError(`${this.peer} sent a response without an NTLM verifier at packet privacy`);
    const trailerAt = fragLength - authLength - SEC_TRAILER_LENGTH;
    const padLength = pdu.readUInt8(trailerAt + 2);
    const signature = pdu.subarray(trailerAt + SEC_TRAILER_LENGTH, fragLength);
    const signedOf = (plain: Buffer): Buffer => {
      const copy = Buffer.from(pdu.subarray(0, trailerAt + SEC_TRAILER_LENGTH));
      plain.copy(copy, REQUEST_HEADER_LENGTH);
      return copy;
    };
    const plain = sealing.unseal(Buffer.from(pdu.subarray(REQUEST_HEADER_LENGTH, trailerAt)), signature, signedOf);
    return plain.subarray(0, plain.length - padLength);
  }

  close(): void {
    this.#sealing?.wipe();
    this.#sessionKey?.fill(0);
    this.socket.close();
  }
}

