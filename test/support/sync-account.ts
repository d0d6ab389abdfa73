/**
 * A sync account of a test's own, with the replication rights canopy-sync has on the domain
 * head (scripts/samba-dc.sh: "Replicating Directory Changes" and "… All", which DirSync
 * needs), so that a test may change its password in AD without touching the shared
 * canopy-sync. The rights are granted and taken back over LDAP as Administrator
 * (replication-rights.py, Samba's Python bindings, as samba-tool dsacl does).
 *
 * Not granted: canopy-sync's read of CN=Deleted Objects (tombstones in DirSync). That
 * object's security descriptor can be read only on the DC's own database, not over LDAP,
 * even by Administrator; a test of deletions uses canopy-sync.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Attribute, Change, type Client } from 'ldapts';
import { sidFromBytes } from '../../src/ad/decode.ts';
import { adEnv } from './ad-env.ts';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('./replication-rights.py', import.meta.url));

export interface TestSyncAccount {
  readonly dn: string;
  readonly sam: string;
  readonly sid: string;
}

/** Sets a password over LDAPS (unicodePwd is the quoted password in UTF-16LE, MS-ADTS 3.1.1.3.1.5). */
export async function setAccountPassword(admin: Client, dn: string, password: string): Promise<void> {
  await admin.modify(dn, new Change({ operation: 'replace', modification: new Attribute({ type: 'unicodePwd', values: [Buffer.from(`"${password}"`, 'utf16le')] }) }));
}

async function rights(sid: string, action: 'add' | 'remove'): Promise<void> {
  const env = adEnv();
  const host = new URL(env.url).hostname;
  const admin = /^CN=([^,]+),/i.exec(env.adminDn)?.[1] ?? 'Administrator';
  await run('/usr/bin/python3', [SCRIPT, `ldap://${host}`, admin, env.adminPassword, env.baseDn, sid, action], { timeout: 60_000 });
}

/** Creates the account under CN=Users with the password and the replication rights. */
export async function createSyncAccount(admin: Client, sam: string, password: string): Promise<TestSyncAccount> {
  const env = adEnv();
  const dn = `CN=${sam},CN=Users,${env.baseDn}`;
  await admin.add(dn, { objectClass: ['top', 'person', 'organizationalPerson', 'user'], sAMAccountName: sam, description: 'Canopy test sync account (per run)' });
  await setAccountPassword(admin, dn, password);
  await admin.modify(dn, new Change({ operation: 'replace', modification: new Attribute({ type: 'userAccountControl', values: ['66048'] }) })); // enabled, password never expires
  const { searchEntries } = await admin.search(dn, { scope: 'base', attributes: ['objectSid'], explicitBufferAttributes: ['objectSid'] });
  const sid = sidFromBytes(searchEntries[0]!.objectSid as Buffer);
  await rights(sid, 'add');
  return { dn, sam, sid };
}

/** Takes the rights back and deletes the account; safe to call after a partial create. */
export async function removeSyncAccount(admin: Client, account: TestSyncAccount | undefined): Promise<void> {
  if (!account) return;
  await rights(account.sid, 'remove').catch(() => undefined);
  await admin.del(account.dn).catch(() => undefined);
}
