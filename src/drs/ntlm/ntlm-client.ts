/**
 * The client side of NTLMv2 with extended session security and key exchange (MS-NLMP 3.1.5,
 * 3.3.2, 3.4): computes the responses, the MIC and the exported session key, then derives
 * the signing and sealing keys for each direction. The exported session key is also the
 * RPC session key that MS-DRSR 4.1.10.6.11 uses to encrypt secret attributes.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { md4 } from '../crypto/md4.ts';
import { rc4 } from '../crypto/rc4.ts';
import {
  AV_FLAG_MIC_PRESENT, AvId, CLIENT_FLAGS, MIC_OFFSET, NtlmError, buildAuthenticate, buildNegotiate, encodeAvPairs,
  parseAvPairs, parseChallenge,
} from './ntlm-messages.ts';
import { NtlmSealing } from './ntlm-sealing.ts';

export interface NtlmCredentials {
  /** sAMAccountName (or a UPN with an empty domain). */
  readonly user: string;
  /** NetBIOS domain name. */
  readonly domain: string;
  readonly password: string;
  readonly workstation?: string;
}

const hmacMd5 = (key: Uint8Array, ...data: Uint8Array[]): Buffer => {
  const h = createHmac('md5', key);
  for (const d of data) h.update(d);
  return h.digest();
};

/** FILETIME: 100-ns intervals since 1601-01-01 (MS-DTYP 2.3.3). */
function fileTimeNow(): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE((BigInt(Date.now()) + 11644473600000n) * 10000n);
  return out;
}

function signKey(session: Buffer, direction: 'client-to-server' | 'server-to-client'): Buffer {
  return createHash('md5').update(session).update(`session key to ${direction} signing key magic constant\0`, 'latin1').digest();
}

function sealKey(session: Buffer, direction: 'client-to-server' | 'server-to-client'): Buffer {
  return createHash('md5').update(session).update(`session key to ${direction} sealing key magic constant\0`, 'latin1').digest();
}

export interface NtlmResult {
  readonly authenticateMessage: Buffer;
  /** ExportedSessionKey; the caller wipes it when the connection closes. */
  readonly sessionKey: Buffer;
  readonly sealing: NtlmSealing;
}

export class NtlmClient {
  readonly negotiateMessage = buildNegotiate();

  constructor(private readonly credentials: NtlmCredentials) {}

  /** MS-NLMP 3.1.5.1.2: answers the server's CHALLENGE. */
  async authenticate(challengeMessage: Buffer): Promise<NtlmResult> {
    const challenge = parseChallenge(challengeMessage);
    const flags = (CLIENT_FLAGS & challenge.flags) >>> 0;
    const pairs = parseAvPairs(challenge.targetInfo);
    const serverTime = pairs.find((pair) => pair.id === AvId.TIMESTAMP)?.value;
    const flagsValue = Buffer.alloc(4);
    flagsValue.writeUInt32LE(AV_FLAG_MIC_PRESENT);
    const targetInfo = encodeAvPairs([...pairs.filter((pair) => pair.id !== AvId.FLAGS), { id: AvId.FLAGS, value: flagsValue }]);

    const { user, domain, password, workstation = '' } = this.credentials;
    const passwordBytes = Buffer.from(password, 'utf16le');
    const ntHash = await md4(passwordBytes);
    passwordBytes.fill(0);
    // NTOWFv2 (3.3.2): HMAC_MD5(MD4(password), UPPERCASE(user) ‖ domain).
    const responseKey = hmacMd5(ntHash, Buffer.from(user.toUpperCase() + domain, 'utf16le'));
    ntHash.fill(0);

    const clientChallenge = randomBytes(8);
    const temp = Buffer.concat([
      Buffer.from([1, 1, 0, 0, 0, 0, 0, 0]), serverTime ?? fileTimeNow(), clientChallenge, Buffer.alloc(4), targetInfo, Buffer.alloc(4),
    ]);
    const ntProof = hmacMd5(responseKey, challenge.serverChallenge, temp);
    const ntResponse = Buffer.concat([ntProof, temp]);
    // With a server timestamp the LM response is all zeros (3.1.5.1.2); otherwise LMv2.
    const lmResponse = serverTime
      ? Buffer.alloc(24)
      : Buffer.concat([hmacMd5(responseKey, challenge.serverChallenge, clientChallenge), clientChallenge]);
    const keyExchangeKey = hmacMd5(responseKey, ntProof);
    responseKey.fill(0);

    const sessionKey = randomBytes(16);
    const encryptedSessionKey = rc4(keyExchangeKey, sessionKey);
    keyExchangeKey.fill(0);

    const authenticateMessage = buildAuthenticate({ flags, lmResponse, ntResponse, domain, user, workstation, encryptedSessionKey });
    const mic = hmacMd5(sessionKey, this.negotiateMessage, challengeMessage, authenticateMessage);
    mic.copy(authenticateMessage, MIC_OFFSET);

    const sealing = new NtlmSealing(
      { sign: signKey(sessionKey, 'client-to-server'), seal: sealKey(sessionKey, 'client-to-server') },
      { sign: signKey(sessionKey, 'server-to-client'), seal: sealKey(sessionKey, 'server-to-client') },
    );
    return { authenticateMessage, sessionKey, sealing };
  }
}

export { NtlmError };
