/**
 * Helpers for the replication tests: credentials from the test AD's environment, a user
 * with a password the test sets over LDAPS, and the DC's own oracle (samba-tool) when the
 * DC runs on this machine.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Attribute, Change, type Client } from 'ldapts';
import type { NtlmCredentials } from '../../src/drs/ntlm/ntlm-client.ts';
import type { ReplicationClientOptions } from '../../src/drs/replication-client.ts';
import { adEnv } from '../support/ad-env.ts';

export function dcHost(): string {
  return new URL(adEnv().url).hostname;
}

/** NTLM credentials for a bind DN whose CN is its sAMAccountName (true of the test accounts). */
export function credentialsFor(bindDn: string, password: string): NtlmCredentials {
  const user = /^CN=([^,]+),/i.exec(bindDn)?.[1];
  if (!user) throw new TypeError(`cannot take a user name from ${bindDn}`);
  return { user, domain: adEnv().netbios || adEnv().domain.split('.')[0]!.toUpperCase(), password };
}

export function syncAccount(): ReplicationClientOptions {
  const env = adEnv();
  return { host: dcHost(), credentials: credentialsFor(env.bindDn, env.password), timeoutMs: 60_000 };
}

/** Sets a password over LDAPS (unicodePwd is the quoted password in UTF-16LE, MS-ADTS 3.1.1.3.1.5). */
export async function setPassword(admin: Client, dn: string, password: string): Promise<void> {
  await admin.modify(dn, new Change({ operation: 'replace', modification: new Attribute({ type: 'unicodePwd', values: [Buffer.from(`"${password}"`, 'utf16le')] }) }));
}

/** Adds an enabled user with a password; `mustChange` leaves pwdLastSet at 0. */
export async function addUser(admin: Client, dn: string, sam: string, password: string, mustChange = false): Promise<void> {
  await admin.add(dn, { objectClass: 'user', sAMAccountName: sam, userPrincipalName: `${sam}@${adEnv().domain}` });
  await setPassword(admin, dn, password);
  await admin.modify(dn, new Change({ operation: 'replace', modification: new Attribute({ type: 'userAccountControl', values: ['512'] }) }));
  if (mustChange) await admin.modify(dn, new Change({ operation: 'replace', modification: new Attribute({ type: 'pwdLastSet', values: ['0'] }) }));
}

/** smb.conf of the project's own DC, when the tests run beside it (root, same machine). */
export function sambaConf(): string | undefined {
  const fixture = adEnv().fixtureDir;
  if (!fixture) return undefined;
  const conf = join(dirname(fixture), 'etc', 'smb.conf');
  return existsSync(conf) ? conf : undefined;
}

/** The DC's own answer: `samba-tool user getpassword --attributes=unicodePwd`, as hex. */
export function oracleNtHash(conf: string, sam: string): string {
  const out = spawnSync('samba-tool', ['user', 'getpassword', sam, '--attributes=unicodePwd', '-s', conf], { encoding: 'utf8' });
  const line = /^unicodePwd:: (\S+)$/m.exec(out.stdout);
  if (!line) throw new Error(`samba-tool printed no unicodePwd for ${sam}: ${out.stderr}`);
  return Buffer.from(line[1]!, 'base64').toString('hex');
}
