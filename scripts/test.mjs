#!/usr/bin/env node
// `npm test`: make sure a Samba AD DC with the fixture forest answers, then run every
// test file (test/**/*.test.ts) with node's own test runner through tsx.
//
// AD tests read their DC from CANOPY_TEST_AD_* variables. When they are not set, this
// script provisions and starts the project's own DC (scripts/samba-dc.sh ensure), which
// needs root on Debian. With CI=true a DC that cannot be had fails the run; elsewhere the
// AD tests are skipped with one line saying why and how to point them at an existing AD.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const ci = process.env.CI === 'true' || process.env.CI === '1';
const env = { ...process.env };

function findTests(dir) {
  const found = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...findTests(path));
    else if (name.endsWith('.test.ts')) found.push(path);
  }
  return found.sort();
}

function canProvisionDc() {
  if (process.getuid?.() !== 0) return 'not running as root';
  if (!existsSync('/etc/debian_version')) return 'not a Debian system';
  return undefined;
}

function ensureDc() {
  if (env.CANOPY_TEST_AD_URL) {
    console.log(`AD tests use the DC at ${env.CANOPY_TEST_AD_URL} (CANOPY_TEST_AD_URL).`);
    return;
  }
  const why = canProvisionDc();
  if (why) {
    const line = `AD tests skipped: ${why}, so no Samba DC can be provisioned here. ` +
      'Point them at an existing AD with CANOPY_TEST_AD_URL, CANOPY_TEST_AD_BIND_DN, ' +
      'CANOPY_TEST_AD_PASSWORD, CANOPY_TEST_AD_CA_FILE and CANOPY_TEST_AD_BASE_DN.';
    if (ci) {
      console.error(`FAIL: ${line}`);
      process.exit(1);
    }
    console.log(line);
    env.CANOPY_TEST_AD_SKIP = line;
    return;
  }
  const started = Date.now();
  console.log('Samba DC: making sure the project\'s DC runs with the fixture forest (scripts/samba-dc.sh ensure; ' +
    'on a new machine this installs Samba and provisions a domain, a minute or two) …');
  const result = spawnSync('bash', [join(root, 'scripts/samba-dc.sh'), 'ensure'], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) {
    console.error(`FAIL: the Samba DC could not be started (scripts/samba-dc.sh ensure exited ${result.status}).`);
    process.exit(1);
  }
  const envFile = spawnSync('bash', [join(root, 'scripts/samba-dc.sh'), 'env-file'], { encoding: 'utf8' }).stdout.trim();
  Object.assign(env, JSON.parse(readFileSync(envFile, 'utf8')));
  console.log(`Samba DC ready at ${env.CANOPY_TEST_AD_URL} in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
}

// The page tests drive Debian's chromium (playwright-core downloads no browser). Under CI it is
// installed when missing, as samba-dc.sh installs Samba; elsewhere they skip with one line.
function ensureChromium() {
  const path = env.CANOPY_TEST_CHROMIUM ?? '/usr/bin/chromium';
  if (existsSync(path)) return;
  const line = `Browser tests skipped: no chromium at ${path}. Install it with \`apt-get install chromium\` (Debian), or set CANOPY_TEST_CHROMIUM.`;
  if (!ci) {
    console.log(line);
    env.CANOPY_TEST_BROWSER_SKIP = line;
    return;
  }
  const why = canProvisionDc();
  if (why) {
    console.error(`FAIL: ${line} (CI=true, and ${why}, so it cannot be installed here)`);
    process.exit(1);
  }
  const started = Date.now();
  console.log('chromium: installing Debian\'s chromium package for the browser tests (apt-get install -y chromium) …');
  const apt = (args) => spawnSync('apt-get', args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status;
  if (apt(['install', '-y', '--no-install-recommends', 'chromium']) !== 0 && (apt(['update']) !== 0 || apt(['install', '-y', '--no-install-recommends', 'chromium']) !== 0)) {
    console.error('FAIL: apt-get install chromium failed; the browser tests cannot run.');
    process.exit(1);
  }
  console.log(`chromium installed in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
}

ensureDc();
ensureChromium();
const only = process.argv.slice(2);
const files = only.length > 0 ? only : findTests(join(root, 'test'));
console.log(`Running ${files.length} test files on Node ${process.version}: ${files.map((f) => relative(root, f)).join(', ')}`);
const testsStarted = Date.now();
const run = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-timeout=300000', ...files], {
  stdio: 'inherit',
  env,
  cwd: root,
});
console.log(`Tests ${run.status === 0 ? 'passed' : 'failed'} on Node ${process.version} in ${((Date.now() - testsStarted) / 1000).toFixed(0)} s.`);
process.exit(run.status ?? 1);
