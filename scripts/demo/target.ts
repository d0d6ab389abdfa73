/**
 * Which Active Directory the demo syncs. With CANOPY_TEST_AD_URL set (the same variables as the
 * tests), that AD. Otherwise the project's own Samba DC, in a folder and on an address of the
 * demo's own (so that changes made while playing with the demo never touch the DC `npm test`
 * compares against), provisioned with the fixture forest or reused; that needs root on Debian.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, run } from './processes.ts';

export interface DemoAd {
  readonly url: string;
  readonly caFile: string | undefined;
  readonly bindDn: string;
  readonly password: string;
  readonly baseDn: string;
  readonly domain: string;
  /** The OU to sync (the job's containerFilter), or undefined for the whole domain. */
  readonly scope: string | undefined;
  /** Credentials that may write, for the printed ldapmodify example (absent for an AD of yours without CANOPY_TEST_AD_ADMIN_*). */
  readonly admin: { readonly dn: string; readonly password: string } | undefined;
  readonly describe: string;
  /** Stops what the demo started (the DC, when it was not running before). */
  stop(): Promise<void>;
}

export const AD_VARIABLES = 'CANOPY_TEST_AD_URL, CANOPY_TEST_AD_BIND_DN, CANOPY_TEST_AD_PASSWORD, CANOPY_TEST_AD_BASE_DN and, for LDAPS with a private CA, CANOPY_TEST_AD_CA_FILE';

const DC_DIR = process.env.CANOPY_DEMO_DC_DIR ?? '/tmp/canopy-demo-dc';
const DC_IP = process.env.CANOPY_DEMO_DC_IP ?? '127.0.0.9';

/** Why the demo cannot provision its own DC here, or undefined when it can. */
export function cannotProvision(): string | undefined {
  if (process.getuid?.() !== 0) return 'not running as root';
  if (!existsSync('/etc/debian_version')) return 'this is not Debian';
  return undefined;
}

function domainOf(baseDn: string): string {
  return baseDn.split(',').map((part) => part.trim()).filter((part) => /^dc=/i.test(part)).map((part) => part.slice(3)).join('.').toLowerCase();
}

function fromEnvironment(env: NodeJS.ProcessEnv): DemoAd {
  const need = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`${name} is not set; an AD of your own needs ${AD_VARIABLES}`);
    return value;
  };
  const baseDn = need('CANOPY_TEST_AD_BASE_DN');
  const admin = env.CANOPY_TEST_AD_ADMIN_DN && env.CANOPY_TEST_AD_ADMIN_PASSWORD ? { dn: env.CANOPY_TEST_AD_ADMIN_DN, password: env.CANOPY_TEST_AD_ADMIN_PASSWORD } : undefined;
  return {
    url: need('CANOPY_TEST_AD_URL'),
    caFile: env.CANOPY_TEST_AD_CA_FILE || undefined,
    bindDn: need('CANOPY_TEST_AD_BIND_DN'),
    password: need('CANOPY_TEST_AD_PASSWORD'),
    baseDn,
    domain: env.CANOPY_TEST_AD_DOMAIN?.toLowerCase() ?? domainOf(baseDn),
    scope: env.CANOPY_DEMO_SCOPE || undefined,
    admin,
    describe: `the AD at ${need('CANOPY_TEST_AD_URL')} (CANOPY_TEST_AD_URL)`,
    stop: async () => undefined,
  };
}

/** The project's Samba DC for the demo: ensure (install, provision, start, load the fixture) or reuse. */
async function demoDc(say: (line: string) => void): Promise<DemoAd> {
  const env = { CANOPY_DC_DIR: DC_DIR, CANOPY_DC_IP: DC_IP };
  const script = join(REPO, 'scripts/samba-dc.sh');
  const wasRunning = await run('samba-dc status', 'bash', [script, 'status'], env).then(() => true, () => false);
  say(wasRunning ? `Samba DC: reusing the demo's DC in ${DC_DIR} on ${DC_IP}` : `Samba DC: starting the demo's DC in ${DC_DIR} on ${DC_IP} (the first time it installs Samba and provisions a domain with the sample company: a minute or two)`);
  const ensure = spawnSync('bash', [script, 'ensure'], { env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
  if (ensure.status !== 0) throw new Error(`scripts/samba-dc.sh ensure failed (exit ${ensure.status}); see the lines above`);
  const envFile = (await run('samba-dc env-file', 'bash', [script, 'env-file'], env)).trim();
  const dc = fromEnvironment(JSON.parse(readFileSync(envFile, 'utf8')) as NodeJS.ProcessEnv);
  // The fixture generator's description names the OU that holds the sample company.
  const { rootDn } = JSON.parse(readFileSync(join(DC_DIR, 'fixture', 'expected.json'), 'utf8')) as { rootDn: string };
  return {
    ...dc,
    scope: rootDn,
    describe: `the project's Samba DC (${dc.domain}, ${dc.url}) with the sample company under ${rootDn}`,
    stop: async () => {
      if (!wasRunning) await run('samba-dc stop', 'bash', [script, 'stop'], env);
    },
  };
}

/** The AD to sync, or an Error whose message is the one line to show (and how to point the demo elsewhere). */
export async function resolveAd(say: (line: string) => void): Promise<DemoAd> {
  if (process.env.CANOPY_TEST_AD_URL) return fromEnvironment(process.env);
  const why = cannotProvision();
  if (why) {
    throw new Error(`The demo cannot provision its Samba DC here (${why}). Point it at an AD of yours instead: set ${AD_VARIABLES}` +
      ' (optionally CANOPY_DEMO_SCOPE=OU DN to sync, CANOPY_TEST_AD_ADMIN_DN/_PASSWORD for the change example), then run npm run demo again.');
  }
  return demoDc(say);
}
