/**
 * Reads the password hashes that changed since a watermark, the way Microsoft's agent
 * does: by directory replication (MS-DRSR), never over LDAP. Each NT hash is turned into
 * its PPH1 string here and wiped at once, so only salted derivatives leave this module.
 *
 * Rules (Entra password hash sync):
 * - only user objects with a password that are normal accounts (userAccountControl
 *   NORMAL_ACCOUNT: not computers, not trust accounts) and not critical system objects
 *   (isCriticalSystemObject: krbtgt, Administrator, Guest; RODC krbtgt_NNNNN accounts by
 *   name too): their hashes never leave the agent;
 * - a user who must change the password at next logon (pwdLastSet = 0) is skipped until
 *   the password is changed;
 * - a delta that carries pwdLastSet but not unicodePwd (the must-change flag was cleared
 *   without a new password) re-reads that one object, so its hash is synced then.
 */
import { randomBytes } from 'node:crypto';
import { guidToBase64, sidFromBytes } from '../../ad/decode.ts';
import { AttributeOid, Werror } from '../../drs/drsuapi/drs-constants.ts';
import { DrsError } from '../../drs/drsuapi/drs-errors.ts';
import type { GetNcChangesReply, ReplicatedObject } from '../../drs/drsuapi/get-nc-changes-reply.ts';
import { ntHashFrom, ridOf } from '../../drs/drsuapi/secret-attribute.ts';
import type { ReplicationClient, ReplicationWatermark } from '../../drs/replication-client.ts';
import { pph1FromNtHash } from './pph1.ts';

/** msDS-ConsistencyGuid (MS-ADA2): the source anchor when set. */
const CONSISTENCY_GUID_OID = '1.2.840.113556.1.4.2084';
const USER_CLASS_OID = '1.2.840.113556.1.5.9';
const COMPUTER_CLASS_OID = '1.2.840.113556.1.3.30';
/** isCriticalSystemObject (MS-ADA1): TRUE on krbtgt, Administrator, Guest and the like. */
const CRITICAL_SYSTEM_OBJECT_OID = '1.2.840.113556.1.4.868';
/** userAccountControl's NORMAL_ACCOUNT bit (MS-ADTS 2.2.16): a person's account, not a trust or machine one. */
const UF_NORMAL_ACCOUNT = 0x200;
/** krbtgt and the RODCs' krbtgt_<n> (MS-KILE 3.1.5.12): never synced, whatever their flags say. */
const KRBTGT = /^krbtgt(_\d+)?$/i;

export const PASSWORD_HASH_ATTRIBUTES: readonly string[] = [
  AttributeOid.objectClass, AttributeOid.objectSid, AttributeOid.sAMAccountName, AttributeOid.userPrincipalName,
  AttributeOid.userAccountControl, AttributeOid.pwdLastSet, AttributeOid.unicodePwd, CONSISTENCY_GUID_OID,
  CRITICAL_SYSTEM_OBJECT_OID,
];

export interface PasswordHashRecord {
  readonly dn: string;
  readonly objectGuid: string;
  /** Base64 of ms-DS-ConsistencyGuid when set, else of objectGUID (onPremisesImmutableId). */
  readonly sourceAnchor: string;
  readonly objectSid: string | undefined;
  readonly samAccountName: string | undefined;
  /** `v1;PPH1_MD4,<salt>,<iterations>,<hash>;` — never the NT hash. */
  readonly credentialData: string;
}

export interface SkippedUser {
  readonly dn: string;
  readonly objectGuid: string;
  /**
   * must-change-password: synced once the password is changed; the others never are:
   * critical-system-object (isCriticalSystemObject, krbtgt), not-a-normal-account
   * (userAccountControl without NORMAL_ACCOUNT: trust and machine accounts).
   */
  readonly reason: 'must-change-password' | 'critical-system-object' | 'not-a-normal-account';
}

export interface PasswordHashPage {
  readonly hashes: PasswordHashRecord[];
  readonly skipped: SkippedUser[];
  /** Opaque; store it after this page's hashes are committed, pass it back next cycle. */
  readonly watermark: string;
  /** More pages follow in this pass (resume from `watermark` to get them). */
  readonly more: boolean;
}

export interface ReadPasswordHashesOptions {
  /** The domain head DN. */
  readonly nc: string;
  /** From the previous cycle's last page; a full pass when absent. */
  readonly watermark?: string;
  readonly pageSize?: number;
}

/**
 * `drs1;<invocationId>;<usnHighObjUpdate>;<usnHighPropUpdate>;<full|delta>[;<pass>-<page>]`:
 * `full` while a first pass is under way (its pages carry every attribute), `delta` once it
 * has ended. A page with more to follow also names its pass (random) and its number in it:
 * consecutive pages of one pass can carry the same USNs on Samba, and the agent tells "the
 * next page, please" from "the page after one you never committed" by this alone.
 */
export interface PasswordHashWatermark extends ReplicationWatermark {
  readonly phase: 'full' | 'delta';
  /** Mid-pass only: `<pass id>-<page number>`. */
  readonly position?: string;
}

export function encodeWatermark(watermark: PasswordHashWatermark): string {
  const position = watermark.position === undefined ? '' : `;${watermark.position}`;
  return `drs1;${watermark.invocationId};${watermark.usn.highObjUpdate};${watermark.usn.highPropUpdate};${watermark.phase}${position}`;
}

export function decodeWatermark(text: string): PasswordHashWatermark {
  const match = /^drs1;([0-9a-f-]{36});(\d{1,20});(\d{1,20});(full|delta)(?:;([0-9a-f]{8}-\d{1,9}))?$/.exec(text);
  if (!match) throw new TypeError(`not a password hash sync watermark: ${JSON.stringify(text)}`);
  return {
    invocationId: match[1]!,
    usn: { highObjUpdate: BigInt(match[2]!), reserved: 0n, highPropUpdate: BigInt(match[3]!) },
    phase: match[4] as 'full' | 'delta',
    ...(match[5] ? { position: match[5] } : {}),
  };
}

class ObjectView {
  constructor(readonly object: ReplicatedObject, private readonly reply: GetNcChangesReply) {}

  values(oid: string): Buffer[] | undefined {
    return this.object.attributes.find((a) => this.reply.prefixTable.oidOf(a.attid) === oid)?.values;
  }

  isUser(): boolean {
    const classes = (this.values(AttributeOid.objectClass) ?? []).map((v) => this.reply.prefixTable.oidOf(v.readUInt32LE(0)));
    return classes.includes(USER_CLASS_OID) && !classes.includes(COMPUTER_CLASS_OID);
  }

  pwdLastSet(): bigint | undefined {
    const value = this.values(AttributeOid.pwdLastSet)?.[0];
    return value ? value.readBigInt64LE(0) : undefined;
  }

  userAccountControl(): number | undefined {
    return this.values(AttributeOid.userAccountControl)?.[0]?.readUInt32LE(0);
  }

  /** Why this user's hash must never be synced, if it must not. */
  excluded(): SkippedUser['reason'] | undefined {
    const critical = this.values(CRITICAL_SYSTEM_OBJECT_OID)?.[0];
    const sam = this.values(AttributeOid.sAMAccountName)?.[0]?.toString('utf16le') ?? '';
    if ((critical !== undefined && critical.readUInt32LE(0) !== 0) || KRBTGT.test(sam)) return 'critical-system-object';
    if (((this.userAccountControl() ?? 0) & UF_NORMAL_ACCOUNT) === 0) return 'not-a-normal-account';
    return undefined;
  }
}

function toRecord(view: ObjectView, sessionKey: Buffer): PasswordHashRecord | undefined {
  const encrypted = view.values(AttributeOid.unicodePwd)?.[0];
  const sid = view.object.name.sid ?? view.values(AttributeOid.objectSid)?.[0];
  if (!encrypted || !sid) return undefined;
  const ntHash = ntHashFrom(encrypted, sessionKey, ridOf(sid));
  let credentialData: string;
  try {
    credentialData = pph1FromNtHash(ntHash);
  } finally {
    ntHash.fill(0);
  }
  const consistency = view.values(CONSISTENCY_GUID_OID)?.[0];
  const objectGuid = view.object.name.guid;
  return {
    dn: view.object.name.dn,
    objectGuid,
    sourceAnchor: consistency?.length === 16 ? consistency.toString('base64') : guidToBase64(objectGuid),
    objectSid: sidFromBytes(sid),
    samAccountName: view.values(AttributeOid.sAMAccountName)?.[0]?.toString('utf16le'),
    credentialData,
  };
}

/**
 * A delta carries only the attributes that changed. When the password or pwdLastSet
 * changed in a delta but the object's class or its hash is missing, the object is read whole
 * (EXOP_REPL_OBJ); a delta that touched neither is not a password change.
 */
async function completeView(client: ReplicationClient, view: ObjectView, delta: boolean): Promise<ObjectView | undefined> {
  const hasPassword = view.values(AttributeOid.unicodePwd) !== undefined;
  const hasPwdLastSet = view.pwdLastSet() !== undefined;
  if (!hasPassword && !hasPwdLastSet) return undefined;
  // A full pass has every attribute: a user without unicodePwd there has no password. The
  // class and userAccountControl decide what may sync, so a delta without them reads whole.
  const classified = view.values(AttributeOid.objectClass) && view.userAccountControl() !== undefined;
  if (classified && (hasPassword || !delta || view.pwdLastSet() === 0n)) return view;
  const single = await client.readObject(view.object.name.dn, PASSWORD_HASH_ATTRIBUTES);
  const fresh = single.objects[0];
  return fresh ? new ObjectView(fresh, single) : undefined;
}

/** What may leave the agent for one user object: its PPH1 record, why it is skipped, or nothing. */
function classify(view: ObjectView, sessionKey: Buffer): { hash?: PasswordHashRecord; skipped?: SkippedUser } | undefined {
  if (!view.isUser()) return undefined;
  const { dn, guid } = view.object.name;
  const excluded = view.excluded();
  if (excluded) return { skipped: { dn, objectGuid: guid, reason: excluded } };
  if (view.pwdLastSet() === 0n) return { skipped: { dn, objectGuid: guid, reason: 'must-change-password' } };
  const hash = toRecord(view, sessionKey);
  return hash ? { hash } : undefined;
}

/** The answer for users read one by one: their hashes, the skipped, and DNs the DC does not have. */
export interface PasswordHashObjects {
  readonly hashes: PasswordHashRecord[];
  readonly skipped: SkippedUser[];
  readonly missing: string[];
}

/**
 * Reads named users whole (EXOP_REPL_OBJ), for the service's users that appeared in the
 * cloud after their password was read (provisioned later, or moved into scope).
 */
export async function readPasswordHashesOf(client: ReplicationClient, dns: readonly string[]): Promise<PasswordHashObjects> {
  const result: PasswordHashObjects = { hashes: [], skipped: [], missing: [] };
  for (const dn of dns) {
    let reply: GetNcChangesReply;
    try {
      reply = await client.readObject(dn, PASSWORD_HASH_ATTRIBUTES);
    } catch (error) {
      if (error instanceof DrsError && error.werror === Werror.DS_DRA_BAD_DN) {
        result.missing.push(dn);
        continue;
      }
      throw error;
    }
    const object = reply.objects[0];
    const outcome = object ? classify(new ObjectView(object, reply), client.sessionKey) : undefined;
    if (outcome?.hash) result.hashes.push(outcome.hash);
    if (outcome?.skipped) result.skipped.push(outcome.skipped);
  }
  return result;
}

/** Pages of changed password hashes; the last page's watermark resumes the next cycle. */
export async function* readChangedPasswordHashes(client: ReplicationClient, options: ReadPasswordHashesOptions): AsyncGenerator<PasswordHashPage> {
  const from = options.watermark ? decodeWatermark(options.watermark) : undefined;
  const pages = client.replicate({ nc: options.nc, attributes: PASSWORD_HASH_ATTRIBUTES, from, pageSize: options.pageSize });
  const pass = randomBytes(4).toString('hex');
  let pageNumber = 0;
  for await (const page of pages) {
    pageNumber++;
    // A DC that is not the one of the watermark restarts the pass (replicate does): full again.
    const delta = from?.phase === 'delta' && page.watermark.invocationId === from.invocationId;
    const hashes: PasswordHashRecord[] = [];
    const skipped: SkippedUser[] = [];
    for (const object of page.reply.objects) {
      const view = await completeView(client, new ObjectView(object, page.reply), delta);
      const outcome = view ? classify(view, client.sessionKey) : undefined;
      if (outcome?.hash) hashes.push(outcome.hash);
      if (outcome?.skipped) skipped.push(outcome.skipped);
    }
    const more = page.reply.moreData;
    const phase = delta || !more ? 'delta' : 'full';
    yield { hashes, skipped, watermark: encodeWatermark({ ...page.watermark, phase, ...(more ? { position: `${pass}-${pageNumber}` } : {}) }), more };
  }
}
