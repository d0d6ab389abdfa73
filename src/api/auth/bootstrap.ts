/**
 * First start of a data folder: create the tenant, its admin application and the cloud sync
 * service principal, and hand the admin its credentials in DIR/bootstrap.json (0600): the
 * application's client id and secret, and with an identity store the portal administrator's
 * user name and one-time password (changed at the first sign-in). Later starts find the
 * tenant and only keep the file's apiUrl current (and add an administrator to a tenant made
 * before sign-in existed).
 */
import { existsSync } from 'node:fs';
import { readSecretFile, writePrivateFile } from '../../core/private-files.ts';
import { join } from 'node:path';
import type { DirectoryStore } from '../../directory/store.ts';
import { createTenantWithAdmin } from './tenant-setup.ts';
import type { IdentityAccountStore } from '../../identity/identity-store.ts';
import { ensureBootstrapAdmin } from '../../identity/accounts.ts';

export const BOOTSTRAP_FILE = 'bootstrap.json';

export interface BootstrapFile {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly apiUrl: string;
  /** The portal's address and its first administrator (src/identity), when sign-in is on. */
  readonly portalUrl?: string;
  readonly adminUserName?: string;
  /** Valid for one sign-in, which must set a new password. */
  readonly adminOneTimePassword?: string;
}

export interface BootstrapResult {
  /** true on the first start of the data folder. */
  readonly created: boolean;
  readonly tenantId: string;
  /** Where the credentials are; absent if an operator removed the file after first start. */
  readonly bootstrapPath?: string;
}

function writeBootstrapFile(path: string, content: BootstrapFile): void {
  writePrivateFile(path, `${JSON.stringify(content, null, 2)}\n`);
}

interface BootstrapOptions {
  readonly store: DirectoryStore;
  readonly dataDir: string;
  readonly apiUrl: string;
  /** The sign-in accounts: the first administrator is created there. */
  readonly identity?: IdentityAccountStore;
}

async function adminFields(options: BootstrapOptions, tenantId: string): Promise<Partial<BootstrapFile>> {
  if (!options.identity) return {};
  const admin = await ensureBootstrapAdmin(options.identity, tenantId);
  const portalUrl = new URL('/portal/', options.apiUrl).href;
  return admin ? { portalUrl, adminUserName: admin.userName, adminOneTimePassword: admin.oneTimePassword } : { portalUrl };
}

export async function bootstrapDataFolder(options: BootstrapOptions): Promise<BootstrapResult> {
  const path = join(options.dataDir, BOOTSTRAP_FILE);
  const [existing] = await options.store.listTenants();
  if (existing) {
    if (!existsSync(path)) return { created: false, tenantId: existing.id };
    const content = JSON.parse(readSecretFile(path, BOOTSTRAP_FILE).toString('utf8')) as BootstrapFile;
    const updated = { ...content, apiUrl: options.apiUrl, ...(await adminFields(options, existing.id)) };
    if (JSON.stringify(updated) !== JSON.stringify(content)) writeBootstrapFile(path, updated);
    return { created: false, tenantId: existing.id, bootstrapPath: path };
  }
  const credentials = await createTenantWithAdmin(options.store);
  writeBootstrapFile(path, {
    tenantId: credentials.tenantId,
    clientId: credentials.clientId,
    clientSecret: credentials.clientSecret,
    apiUrl: options.apiUrl,
    ...(await adminFields(options, credentials.tenantId)),
  });
  return { created: true, tenantId: credentials.tenantId, bootstrapPath: path };
}
