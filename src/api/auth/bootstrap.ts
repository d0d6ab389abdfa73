/**
 * First start of a data folder: create the tenant, its admin application and the cloud sync
 * service principal, and hand the admin its credentials in DIR/bootstrap.json (0600). Later
 * starts find the tenant and only keep the file's apiUrl current.
 */
import { existsSync } from 'node:fs';
import { readSecretFile, writePrivateFile } from '../../core/private-files.ts';
import { join } from 'node:path';
import type { DirectoryStore } from '../../directory/store.ts';
import { createTenantWithAdmin } from './tenant-setup.ts';

export const BOOTSTRAP_FILE = 'bootstrap.json';

export interface BootstrapFile {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly apiUrl: string;
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

export async function bootstrapDataFolder(options: { store: DirectoryStore; dataDir: string; apiUrl: string }): Promise<BootstrapResult> {
  const path = join(options.dataDir, BOOTSTRAP_FILE);
  const [existing] = await options.store.listTenants();
  if (existing) {
    if (!existsSync(path)) return { created: false, tenantId: existing.id };
    const content = JSON.parse(readSecretFile(path, BOOTSTRAP_FILE).toString('utf8')) as BootstrapFile;
    if (content.apiUrl !== options.apiUrl) writeBootstrapFile(path, { ...content, apiUrl: options.apiUrl });
    return { created: false, tenantId: existing.id, bootstrapPath: path };
  }
  const credentials = await createTenantWithAdmin(options.store);
  writeBootstrapFile(path, {
    tenantId: credentials.tenantId,
    clientId: credentials.clientId,
    clientSecret: credentials.clientSecret,
    apiUrl: options.apiUrl,
  });
  return { created: true, tenantId: credentials.tenantId, bootstrapPath: path };
}
