/**
 * The three NTLM messages (MS-NLMP 2.2.1): NEGOTIATE, CHALLENGE and AUTHENTICATE, with the
 * AV pairs of the challenge's target info (2.2.2.1). Only what a client needs: it builds
 * NEGOTIATE and AUTHENTICATE and parses CHALLENGE.
 */
export const SIGNATURE = Buffer.from('NTLMSSP\0', 'latin1');

/** MS-NLMP 2.2.2.5 NEGOTIATE flags that this client asks for. */
export const NegotiateFlag = {
  UNICODE: 0x00000001,
  REQUEST_TARGET: 0x00000004,
  SIGN: 0x00000010,
  SEAL: 0x00000020,
  NTLM: 0x00000200,
  ALWAYS_SIGN: 0x00008000,
  EXTENDED_SESSIONSECURITY: 0x00080000,
  TARGET_INFO: 0x00800000,
  VERSION: 0x02000000,
  KEY_128: 0x20000000,
  KEY_EXCH: 0x40000000,
  KEY_56: 0x80000000,
} as const;

/** Everything packet privacy needs: NTLMv2 with extended session security and key exchange. */
export const CLIENT_FLAGS = Object.values(NegotiateFlag).reduce((all, flag) => (all | flag) >>> 0, 0);

/** MS-NLMP 2.2.2.1 AV_PAIR ids used here. */
export const AvId = { EOL: 0, TIMESTAMP: 7, FLAGS: 6 } as const;

/** MsvAvFlags bit 0x2: the AUTHENTICATE message carries a MIC. */
export const AV_FLAG_MIC_PRESENT = 0x00000002;

/** MS-NLMP 2.2.2.10 VERSION; informational only (6.1 build 7601, NTLMSSP revision 15). */
const VERSION = Buffer.from([6, 1, 0xb1, 0x1d, 0, 0, 0, 0x0f]);

export class NtlmError extends Error {
  override readonly name = 'NtlmError';
}

export function buildNegotiate(flags = CLIENT_FLAGS): Buffer {
  const out = Buffer.alloc(40);
  SIGNATURE.copy(out, 0);
  out.writeUInt32LE(1, 8);
  out.writeUInt32LE(flags >>> 0, 12);
  // DomainNameFields and WorkstationFields stay empty (offset 40, length 0).
  out.writeUInt32LE(40, 20);
  out.writeUInt32LE(40, 28);
  VERSION.copy(out, 32);
  return out;
}

export interface Challenge {
  readonly flags: number;
  readonly serverChallenge: Buffer;
  readonly targetInfo: Buffer;
}

function field(message: Buffer, at: number): Buffer {
  const length = message.readUInt16LE(at);
  const offset = message.readUInt32LE(at + 4);
  if (offset + length > message.length) throw new NtlmError('NTLM message field points past the end of the message');
  return message.subarray(offset, offset + length);
}

export function parseChallenge(message: Buffer): Challenge {
  if (message.length < 48 || !message.subarray(0, 8).equals(SIGNATURE) || message.readUInt32LE(8) !== 2) {
    throw new NtlmError('the server did not answer with an NTLM CHALLENGE message');
  }
  const flags = message.readUInt32LE(20);
  const required = NegotiateFlag.EXTENDED_SESSIONSECURITY | NegotiateFlag.KEY_EXCH | NegotiateFlag.SEAL | NegotiateFlag.SIGN | NegotiateFlag.KEY_128;
  if ((flags & required) >>> 0 !== required >>> 0) {
    throw new NtlmError(`the server's NTLM flags 0x${(flags >>> 0).toString(16)} lack extended session security, key exchange, 128-bit keys or sealing`);
  }
  return { flags, serverChallenge: Buffer.from(message.subarray(24, 32)), targetInfo: Buffer.from(field(message, 40)) };
}

export interface AvPair {
  readonly id: number;
  readonly value: Buffer;
}

export function parseAvPairs(targetInfo: Buffer): AvPair[] {
  const pairs: AvPair[] = [];
  let at = 0;
  while (at + 4 <= targetInfo.length) {
    const id = targetInfo.readUInt16LE(at);
    const length = targetInfo.readUInt16LE(at + 2);
    if (id === AvId.EOL) break;
    pairs.push({ id, value: targetInfo.subarray(at + 4, at + 4 + length) });
    at += 4 + length;
  }
  return pairs;
}

export function encodeAvPairs(pairs: readonly AvPair[]): Buffer {
  const parts: Buffer[] = [];
  for (const pair of [...pairs, { id: AvId.EOL, value: Buffer.alloc(0) }]) {
    const head = Buffer.alloc(4);
    head.writeUInt16LE(pair.id, 0);
    head.writeUInt16LE(pair.value.length, 2);
    parts.push(head, pair.value);
  }
  return Buffer.concat(parts);
}

export interface AuthenticateFields {
  readonly flags: number;
  readonly lmResponse: Buffer;
  readonly ntResponse: Buffer;
  readonly domain: string;
  readonly user: string;
  readonly workstation: string;
  readonly encryptedSessionKey: Buffer;
}

/** MS-NLMP 2.2.1.3, with VERSION and a zeroed 16-byte MIC at offset 72 for the caller to fill. */
export function buildAuthenticate(fields: AuthenticateFields): Buffer {
  const payload = [
    fields.lmResponse,
    fields.ntResponse,
    Buffer.from(fields.domain, 'utf16le'),
    Buffer.from(fields.user, 'utf16le'),
    Buffer.from(fields.workstation, 'utf16le'),
    fields.encryptedSessionKey,
  ];
  const head = Buffer.alloc(88);
  SIGNATURE.copy(head, 0);
  head.writeUInt32LE(3, 8);
  let offset = head.length;
  payload.forEach((part, index) => {
    const at = 12 + index * 8;
    head.writeUInt16LE(part.length, at);
    head.writeUInt16LE(part.length, at + 2);
    head.writeUInt32LE(offset, at + 4);
    offset += part.length;
  });
  head.writeUInt32LE(fields.flags >>> 0, 60);
  VERSION.copy(head, 64);
  return Buffer.concat([head, ...payload]);
}

export const MIC_OFFSET = 72;
