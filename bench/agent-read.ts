/**
 * `node --import tsx bench/agent-read.ts`: how close the agent's read path comes to the DC's
 * own speed, on the fixture forest of the test DC (scoped to its root OU, as the e2e sync).
 *
 * In one run, best of --runs each (default 3), over the same filter and attributes:
 *   baseline  ldapsearch, paged, output thrown away (the DC's and the wire's cost);
 *   ldapts    a bare ldapts searchPaginated (adds the JS BER decoding);
 *   readAll   AdReader.readAll (adds entry decoding into AdObjects, scope checks);
 *   changes   AdReader.readChanges() with no watermark (adds the DirSync cookie, pages);
 *   delta     the agent's /Delta full read through handleScimRequest in-process (adds the
 *             SCIM resources and member/manager resolution).
 * Machines are noisy: the figures that matter are the ratios to the baseline. The DC is
 * the one `npm test` starts (CANOPY_TEST_AD_* variables, else scripts/samba-dc.sh env-file).
 * Profile with `node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/agent-read.ts --only delta`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'ldapts';
import { handleScimRequest, createScimContext } from '../src/agent/scim-service.ts';
import { BUFFER_ATTRIBUTES } from '../src/ad/entry.ts';
import { DEFAULTS } from '../src/ad/options.ts';
import { AdReader } from '../src/ad/reader.ts';
import { ReadContext, resolveOptions } from '../src/ad/read-context.ts';
import type { AdReaderOptions } from '../src/ad/options.ts';

const root = new URL('..', import.meta.url).pathname;
const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    only: { type: 'string' },
    count: { type: 'string', default: '1000' },
  },
});
const RUNS = Number(args.runs);
const ONLY = args.only?.split(',');

function adVariables(): Record<string, string | undefined> | undefined {
  if (process.env.CANOPY_TEST_AD_URL) return process.env;
  const file = spawnSync('bash', [join(root, 'scripts/samba-dc.sh'), 'env-file'], { encoding: 'utf8' }).stdout?.trim();
  if (!file || !existsSync(file)) return undefined;
  return { ...process.env, ...(JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) };
}

const found = adVariables();
if (!found) {
  // Skipped, not failed, so that `npm run bench` still runs the benches that need no DC.
  console.log('agent-read: skipped, no Samba DC: set CANOPY_TEST_AD_* or start the DC with `npm run dc -- ensure`');
  process.exit(0);
}
const env = found;
const need = (name: string): string => {
  const value = env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
process.env.CANOPY_TEST_AD_FIXTURE_DIR ??= env.CANOPY_TEST_AD_FIXTURE_DIR;
const { loadFixture, inScopeObjects } = await import('../test/support/fixture.ts');
const fixture = loadFixture({ baseDn: need('CANOPY_TEST_AD_BASE_DN'), domain: need('CANOPY_TEST_AD_DOMAIN'), fixtureDir: env.CANOPY_TEST_AD_FIXTURE_DIR });
const scope = fixture.rootDn;
const expectedObjects = inScopeObjects(fixture).filter((o) => ['user', 'group', 'ou'].includes(o.kind)).length;

const options: AdReaderOptions = {
  urls: [need('CANOPY_TEST_AD_URL')],
  bindDn: need('CANOPY_TEST_AD_BIND_DN'),
  password: need('CANOPY_TEST_AD_PASSWORD'),
  caFile: need('CANOPY_TEST_AD_CA_FILE'),
  baseDn: need('CANOPY_TEST_AD_BASE_DN'),
  scopeDns: [scope],
};
// The very filter and attribute list the reader sends for a full read.
const ctx = new ReadContext(resolveOptions(options), [], () => Promise.reject(new Error('unused')));
const FILTER = ctx.objectFilter();
const ATTRIBUTES = ctx.readAttributes;
const PAGE = DEFAULTS.pageSize;

async function ldapsearch(): Promise<number> {
  const result = spawnSync(
    'ldapsearch',
    ['-LLL', '-x', '-H', options.urls[0] as string, '-D', options.bindDn, '-w', options.password, '-b', scope, '-s', 'sub', '-E', `pr=${PAGE}/noprompt`, FILTER, ...ATTRIBUTES],
    { env: { ...process.env, LDAPTLS_CACERT: options.caFile }, maxBuffer: 1 << 30, encoding: 'buffer' },
  );
  if (result.status !== 0) throw new Error(`ldapsearch exited ${result.status}: ${result.stderr.toString()}`);
  return result.stdout.toString('latin1').match(/^dn::? /gm)?.length ?? 0;
}

async function bareLdapts(): Promise<number> {
  const client = new Client({ url: options.urls[0] as string, tlsOptions: { ca: readFileSync(options.caFile as string) } });
  try {
    await client.bind(options.bindDn, options.password);
    let n = 0;
    const pages = client.searchPaginated(scope, { scope: 'sub', filter: FILTER, attributes: ATTRIBUTES, explicitBufferAttributes: BUFFER_ATTRIBUTES, timeLimit: 0, paged: { pageSize: PAGE } });
    for await (const page of pages) n += page.searchEntries.length;
    return n;
  } finally {
    await client.unbind();
  }
}

async function withReader(read: (reader: AdReader) => Promise<number>): Promise<number> {
  const reader = await AdReader.connect(options);
  try {
    return await read(reader);
  } finally {
    await reader.close();
  }
}

const readAll = () => withReader(async (reader) => {
  let n = 0;
  for await (const object of reader.readAll()) if (object) n += 1;
  return n;
});

const readChanges = () => withReader(async (reader) => {
  let n = 0;
  for await (const page of reader.readChanges()) n += page.changes.length;
  return n;
});

const delta = () => withReader(async (reader) => {
  const scim = createScimContext({ source: reader });
  let n = 0;
  let watermark: string | undefined;
  for (;;) {
    const { status, body } = await handleScimRequest(scim, { method: 'GET', path: '/Delta', query: { count: args.count, ...(watermark ? { watermark } : {}) } });
    if (status !== 200) throw new Error(`/Delta answered ${status}: ${JSON.stringify(body)}`);
    const page = body as { Resources: unknown[]; watermark: string; more: boolean };
    n += page.Resources.length;
    watermark = page.watermark;
    if (!page.more) return n;
  }
});

const cases: [string, () => Promise<number>][] = [
  ['ldapsearch', ldapsearch],
  ['ldapts', bareLdapts],
  ['readAll', readAll],
  ['readChanges', readChanges],
  ['delta', delta],
];

console.log(`fixture scope ${scope}: ${expectedObjects} users, groups and OUs; ${ATTRIBUTES.length} attributes; best of ${RUNS}`);
const best = new Map<string, { seconds: number; count: number }>();
for (let run = 0; run < RUNS; run += 1) {
  // Interleaved, so that a slow spell of the machine hits every case alike.
  for (const [name, fn] of cases) {
    if (ONLY && !ONLY.includes(name)) continue;
    const started = performance.now();
    const count = await fn();
    const seconds = (performance.now() - started) / 1000;
    const previous = best.get(name);
    if (!previous || seconds < previous.seconds) best.set(name, { seconds, count });
  }
}
const baseline = best.get('ldapsearch')?.seconds;
for (const [name, { seconds, count }] of best) {
  const ratio = baseline ? `  ×${(seconds / baseline).toFixed(2)} of ldapsearch` : '';
  console.log(`${name.padEnd(12)} ${count.toString().padStart(6)} items  ${seconds.toFixed(2)} s  ${Math.round(count / seconds).toString().padStart(6)}/s${ratio}`);
}
