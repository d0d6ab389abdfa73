/**
 * Reads the password hashes that changed since a watermark, the way Microsoft's agent
 * does: by directory replication (MS-DRSR), never over LDAP. Each NT hash is turned into
 * its PPH1 string here and wiped at once, so only salted derivatives leave this module.
 *
 * Rules (Entra password hash sync):
 * - only user objects (not computers) with a password;
 * - a user who must change the password at next logon (pwdLastSet = 0) is skipped until
 *   the password is changed;
 * - a delta that carries pwdLastSet but not unicodePwd (the must-change flag was cleared
 *   without a new password) re-reads that one object, so its hash is synced then.
 */
import { guidToBase64, sidFromBytes } from '../../ad/decode.ts';
import { AttributeOid } from '../../drs/drsuapi/drs-constants.ts';
import type { GetNcChangesReply, ReplicatedObject } from '../../drs/drsuapi/get-nc-changes-reply.ts';
import { ntHashFrom, ridOf } from '../../drs/drsuapi/secret-attribute.ts';
import type { ReplicationClient, ReplicationWatermark } from '../../drs/replication-client.ts';
import { pph1FromNtHash } from './pph1.ts';

/** msDS-ConsistencyGuid (MS-ADA2): the source anchor when set. */
const CONSISTENCY_GUID_OID = '1.2.840.113556.1.4.2084';
const USER_CLASS_OID = '1.2.840.113556.1.5.9';
const COMPUTER_CLASS_OID = '1.2.840.113556.1.3.30';

export const PASSWORD_HASH_ATTRIBUTES: readonly string[] = [
  AttributeOid.objectClass, AttributeOid.objectSid, AttributeOid.sAMAccountName, AttributeOid.userPrincipalName,
  AttributeOid.userAccountControl, AttributeOid.pwdLastSet, AttributeOid.unicodePwd, CONSISTENCY_GUID_OID,
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
  readonly reason: 'must-change-password';
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
 * `drs1;<invocationId>;<usnHighObjUpdate>;<usnHighPropUpdate>;<full|delta>`: `full` while a
 * first pass is under way (its pages carry every attribute), `delta` once it has ended.
 */
export interface PasswordHashWatermark extends ReplicationWatermark {
  readonly phase: 'full' | 'delta';
}

export function encodeWatermark(watermark: PasswordHashWatermark): string {
  return `drs1;${watermark.invocationId};${watermark.usn.highObjUpdate};${watermark.usn.highPropUpdate};${watermark.phase}`;
}

export function decodeWatermark(text: string): PasswordHashWatermark {
  const match = /^drs1;([0-9a-f-]{36});(\d{1,20});(\d{1,20});(full|delta)$/.exec(text);
  if (!match) throw new TypeError(`not a password hash sync watermark: ${JSON.stringify(text)}`);
  return {
    invocationId: match[1]!,
    usn: { highObjUpdate: BigInt(match[2]!), reserved: 0n, highPropUpdate: BigInt(match[3]!) },
    phase: match[4] as 'full' | 'delta',
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
  // A full pass has every attribute: a user without unicodePwd there has no password.
  if (view.values(AttributeOid.objectClass) && (hasPassword || !delta || view.pwdLastSet() === 0n)) return view;
  const single = await client.readObject(view.object.name.dn, PASSWORD_HASH_ATTRIBUTES);
  const fresh = single.objects[0];
  return fresh ? new ObjectView(fresh, single) : undefined;
}

/** Pages of changed password hashes; the last page's watermark resumes the next cycle. */
export async function* readChangedPasswordHashes(client: ReplicationClient, options: ReadPasswordHashesOptions): AsyncGenerator<PasswordHashPage> {
  const from = options.watermark ? decodeWatermark(options.watermark) : undefined;
  const pages = client.replicate({ nc: options.nc, attributes: PASSWORD_HASH_ATTRIBUTES, from, pageSize: options.pageSize });
  for await (const page of pages) {
    // A DC that is not the one of the watermark restarts the pass (replicate does): full again.
    const delta = from?.phase === 'delta' && page.watermark.invocationId === from.invocationId;
    const hashes: PasswordHashRecord[] = [];
    const skipped: SkippedUser[] = [];
    for (const object of page.reply.objects) {
      const view = await completeView(client, new ObjectView(object, page.reply), delta);
      if (!view || !view.isUser()) continue;
      if (view.pwdLastSet() === 0n) {
        skipped.push({ dn: object.name.dn, objectGuid: object.name.guid, reason: 'must-change-password' });
        continue;
      }
      const record = toRecord(view, client.sessionKey);
      if (record) hashes.push(record);
    }
    const more = page.reply.moreData;
    yield { hashes, skipped, watermark: encodeWatermark({ ...page.watermark, phase: delta || !more ? 'delta' : 'full' }), more };
  }
}
