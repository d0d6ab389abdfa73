/**
 * A second AD domain for multi-domain tests: its own Samba realm, provisioned by the project's
 * own scripts/samba-dc.sh in its own folder and on its own loopback address, without the
 * fixture forest (CANOPY_DC_FIXTURE=none: about 20 s on a new machine, a second when it is
 * already provisioned), with Exchange's extensionAttribute1–15 in its schema. The shared DC of CANOPY_TEST_AD_* (127.0.0.1, /tmp/canopy-dc) is never
 * touched: this DC has its own folder, lock and address. It is left running afterwards, as
 * the shared one is, so a second run (or another test file) reuses it.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Client } from 'ldapts';
import { adEnvFrom, type AdTestEnv } from '../../support/ad-env.ts';

const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../../../scripts/samba-dc.sh', import.meta.url));

export const SECOND_DC = {
  CANOPY_DC_DIR: process.env.CANOPY_TEST_SECOND_DC_DIR ?? '/tmp/canopy-dc-second',
  CANOPY_DC_IP: process.env.CANOPY_TEST_SECOND_DC_IP ?? '127.0.0.5',
  CANOPY_DC_REALM: 'SECOND.CANOPY.TEST',
  CANOPY_DC_NETBIOS: 'SECOND',
  CANOPY_DC_FIXTURE: 'none',
  // Exchange's extensionAttribute1–15 in its schema: the shared DC has no Exchange schema.
  CANOPY_DC_EXTENSION_ATTRIBUTES: '1',
} as const;

/** Why no second DC can be provisioned here (samba-dc.sh needs root to add the address and run samba). */
export function secondDcSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'the second AD domain is provisioned by scripts/samba-dc.sh, which needs root';
  return undefined;
}

/** Provisions (once) and starts the second DC; answers its CANOPY_TEST_AD_* description. */
export async function ensureSecondDc(): Promise<AdTestEnv> {
  const env = { ...process.env, ...SECOND_DC };
  try {
    await run('bash', [SCRIPT, 'ensure'], { env, timeout: 600_000 });
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(`scripts/samba-dc.sh ensure failed for the second domain ${SECOND_DC.CANOPY_DC_REALM}: ${stderr ?? String(error)}`);
  }
  const { stdout } = await run('bash', [SCRIPT, 'env-file'], { env });
  return adEnvFrom(JSON.parse(readFileSync(stdout.trim(), 'utf8')) as Record<string, string>);
}

/** The DC's Administrator over LDAPS. */
export async function adminClientOf(ad: AdTestEnv): Promise<Client> {
  const client = new Client({ url: ad.url, tlsOptions: { ca: readFileSync(ad.caFile, 'utf8') }, timeout: 60_000 });
  await client.bind(ad.adminDn, ad.adminPassword);
  return client;
}
