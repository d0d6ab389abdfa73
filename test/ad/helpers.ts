/**
 * Helpers for the AD tests: reader options from the test environment, an admin client
 * for writes, and a per-run OU that holds whatever a test changes.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { Client, Control } from 'ldapts';
import type { AdReaderOptions } from '../../src/ad/options.ts';
import { adEnv } from '../support/ad-env.ts';

export function readerOptions(overrides: Partial<AdReaderOptions> = {}): AdReaderOptions {
  const env = adEnv();
  return { urls: [env.url], caFile: env.caFile, bindDn: env.bindDn, password: env.password, baseDn: env.baseDn, ...overrides };
}

export async function adminClient(): Promise<Client> {
  const env = adEnv();
  const client = new Client({ url: env.url, tlsOptions: { ca: [readFileSync(env.caFile)] }, timeout: 30000 });
  await client.bind(env.adminDn, env.adminPassword);
  return client;
}

/** A TCP port on 127.0.0.1 that nothing listens on (a dead DC). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** LDAP_SERVER_TREE_DELETE_OID (MS-ADTS 3.1.1.3.4.1.8): delete a subtree at once. */
const TREE_DELETE = '1.2.840.113556.1.4.805';

export interface TestOu {
  readonly dn: string;
  readonly admin: Client;
  /** Deletes the OU and everything below it, then unbinds. */
  cleanup(): Promise<void>;
}

/** OU=t-<random>,<base DN>, with the given child OUs, for one test file's writes. */
export async function createTestOu(children: readonly string[] = []): Promise<TestOu> {
  const env = adEnv();
  const admin = await adminClient();
  const dn = `OU=t-${randomBytes(4).toString('hex')},${env.baseDn}`;
  await admin.add(dn, { objectClass: 'organizationalUnit' });
  for (const child of children) await admin.add(`OU=${child},${dn}`, { objectClass: 'organizationalUnit' });
  return {
    dn,
    admin,
    async cleanup() {
      await admin.del(dn, new Control(TREE_DELETE, { critical: true })).catch(() => undefined);
      await admin.unbind();
    },
  };
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}
