/**
 * The test AD, as scripts/test.mjs (or the person running the tests) describes it through
 * CANOPY_TEST_AD_* variables. Never hard-code a DC's names in a test: the same tests run
 * against other forests.
 *
 *   describe('reads the fixture', { skip: skipReason() }, () => { const ad = adEnv(); … });
 */
import { readFileSync } from 'node:fs';

export interface AdTestEnv {
  /** LDAPS URL, e.g. ldaps://127.0.0.1:636. */
  readonly url: string;
  /** Plain LDAP URL for StartTLS, e.g. ldap://127.0.0.1:389. */
  readonly startTlsUrl: string;
  /** PEM file of the CA that signed the DC's certificate. */
  readonly caFile: string;
  /** The domain head DN, e.g. DC=corp,DC=canopy,DC=test. */
  readonly baseDn: string;
  /** The domain's DNS name, e.g. corp.canopy.test. */
  readonly domain: string;
  readonly netbios: string;
  /** The delegated sync account (Replicating Directory Changes, reads CN=Deleted Objects). */
  readonly bindDn: string;
  readonly password: string;
  /** An ordinary user without DirSync rights. */
  readonly noRightsBindDn: string;
  readonly noRightsPassword: string;
  /** Administrator, for tests that write (under an OU of their own). */
  readonly adminDn: string;
  readonly adminPassword: string;
  /** Folder with fixture.ldif and expected.json, when the fixture was generated here. */
  readonly fixtureDir: string | undefined;
}

const ci = process.env.CI === 'true' || process.env.CI === '1';

/**
 * Why AD tests cannot run here, or undefined when they can. scripts/test.mjs sets
 * CANOPY_TEST_AD_SKIP when no DC can be had. A run that bypassed it (plain `node --test`)
 * has no CANOPY_TEST_AD_URL: skip with a hint, except under CI, where the tests then fail
 * loudly instead of passing by skipping.
 */
export function skipReason(): string | undefined {
  const skip = process.env.CANOPY_TEST_AD_SKIP;
  if (skip) return skip;
  if (!process.env.CANOPY_TEST_AD_URL && !ci) return 'CANOPY_TEST_AD_URL is not set: run the tests with `npm test`, which starts the Samba DC';
  return undefined;
}

function need(vars: Record<string, string | undefined>, name: string): string {
  const value = vars[name];
  if (!value) throw new TypeError(`${name} is not set; AD tests need it (see scripts/test.mjs)`);
  return value;
}

/** A test AD described by CANOPY_TEST_AD_* variables (the environment, or a DC's test-env.json). */
export function adEnvFrom(vars: Record<string, string | undefined>): AdTestEnv {
  return Object.freeze({
    url: need(vars, 'CANOPY_TEST_AD_URL'),
    startTlsUrl: vars.CANOPY_TEST_AD_STARTTLS_URL ?? '',
    caFile: need(vars, 'CANOPY_TEST_AD_CA_FILE'),
    baseDn: need(vars, 'CANOPY_TEST_AD_BASE_DN'),
    domain: need(vars, 'CANOPY_TEST_AD_DOMAIN'),
    netbios: vars.CANOPY_TEST_AD_NETBIOS ?? '',
    bindDn: need(vars, 'CANOPY_TEST_AD_BIND_DN'),
    password: need(vars, 'CANOPY_TEST_AD_PASSWORD'),
    noRightsBindDn: vars.CANOPY_TEST_AD_NORIGHTS_BIND_DN ?? '',
    noRightsPassword: vars.CANOPY_TEST_AD_NORIGHTS_PASSWORD ?? '',
    adminDn: vars.CANOPY_TEST_AD_ADMIN_DN ?? '',
    adminPassword: vars.CANOPY_TEST_AD_ADMIN_PASSWORD ?? '',
    fixtureDir: vars.CANOPY_TEST_AD_FIXTURE_DIR || undefined,
  });
}

let cached: AdTestEnv | undefined;

/** The test AD from the environment. Throws a TypeError naming a missing variable. */
export function adEnv(): AdTestEnv {
  cached ??= adEnvFrom(process.env);
  return cached;
}

/** The CA certificate(s) as PEM text, for `tlsOptions: { ca }`. */
export function readCa(env: AdTestEnv = adEnv()): string {
  return readFileSync(env.caFile, 'utf8');
}
