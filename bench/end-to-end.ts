/**
 * `npm run bench [-- --users N]`: Canopy end to end against a Samba DC forest of N users
 * (default 10,000; the fixture generator's forest: users, groups, managers, nesting), all in
 * one run on the same DC so that the figures are ratios to a baseline, not absolute times:
 *
 *   (a) baseline   a paged `ldapsearch` dump of the users and groups, the agent's attributes;
 *   (b) initial    the first cycle of a job through real processes (`canopy serve` + relay +
 *                  `canopy agent run` + engine + SQLite): objects/s and the ratio to (a);
 *   (c) idle delta a cycle with nothing changed;
 *   (d) latency    ldapmodify → the new value visible through the Graph API, p50/p95 over
 *                  --changes (default 50) changes, one at a time (the PT1H schedule never
 *                  runs: every cycle is started by the agent's change signal);
 *   (e) memory     peak RSS (VmHWM) of the agent and the service;
 *   (f) idle cost  CPU of the agent (notification watch + DirSync poll) over 30 s idle;
 *   (g) start-up   time to first output of `canopy --version` and `canopy status`, and of
 *                  `canopy serve` to its ready line on the data folder of (b);
 *   (h) engine     bench/sync-throughput.ts (engine vs raw store writes), one run.
 *
 * The forest lives in /var/tmp/canopy-bench-dc-N (its own DC on its own loopback address)
 * and is built once (scripts/samba-dc.sh with CANOPY_DC_USERS=N; minutes at 10k, ~14 min of
 * one core at 50k), then reused. Writes bench/results/<date>-<N>.json and rewrites
 * docs/benchmarks.md from every results file (bench/report.ts).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Attribute, Change } from 'ldapts';

const root = new URL('..', import.meta.url).pathname;
const { values: args } = parseArgs({ options: { users: { type: 'string', default: '10000' }, changes: { type: 'string', default: '50' } } });
const USERS = Number(args.users);
const CHANGES = Number(args.changes);
if (!Number.isInteger(USERS) || USERS < 200) throw new TypeError('--users: an integer of at least 200');
if (!Number.isInteger(CHANGES) || CHANGES < 1) throw new TypeError('--changes: a positive integer');

const log = (line: string): void => console.log(`bench: ${line}`);
const median = (values: number[]): number => quantile(values, 0.5);
function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

// --- the forest -------------------------------------------------------------------------
const dcDir = `/var/tmp/canopy-bench-dc-${USERS}`;
// One loopback address per forest, away from the test DCs (127.0.0.1-.40); CANOPY_BENCH_DC_IP overrides.
const dcIp = process.env.CANOPY_BENCH_DC_IP ?? `127.0.0.${({ 10000: 61, 50000: 62 } as Record<number, number>)[USERS] ?? 63}`;
const dcEnv = { ...process.env, CANOPY_DC_DIR: dcDir, CANOPY_DC_IP: dcIp, CANOPY_DC_USERS: String(USERS) };
log(`forest of ${USERS} users in ${dcDir} on ${dcIp} (built once, then reused)`);
const started = Date.now();
const ensured = spawnSync('bash', [join(root, 'scripts/samba-dc.sh'), 'ensure'], { env: dcEnv, stdio: ['ignore', 'inherit', 'inherit'] });
if (ensured.status !== 0) throw new Error(`scripts/samba-dc.sh ensure failed (${ensured.status})`);
log(`forest ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
const envFile = spawnSync('bash', [join(root, 'scripts/samba-dc.sh'), 'env-file'], { env: dcEnv, encoding: 'utf8' }).stdout.trim();
Object.assign(process.env, JSON.parse(readFileSync(envFile, 'utf8')) as Record<string, string>);
delete process.env.CANOPY_TEST_AD_SKIP;

// The compiled JavaScript is what users run: build it when a source is newer.
const stamp = join(root, 'dist', '.built');
const newest = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce((latest, entry) => Math.max(latest, entry.isDirectory() ? newest(join(dir, entry.name)) : statSync(join(dir, entry.name)).mtimeMs), 0);
if (!existsSync(stamp) || statSync(stamp).mtimeMs < newest(join(root, 'src'))) {
  log('dist/ is older than src/: npm run build');
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
}

const { adEnv } = await import('../test/support/ad-env.ts');
const { adminClient } = await import('../test/e2e/support/ad-expected.ts');
const { GraphClient, enableDomain, jobPath, readBootstrap, waitForCycle } = await import('../test/e2e/support/graph.ts');
const { enrollAgent, runAgent, startServe, stopProcess } = await import('../test/e2e/support/processes.ts');
const { CANOPY_BIN } = await import('../test/cli/processes.ts');
const { resolveOptions } = await import('../src/ad/read-context.ts');
const ad = adEnv();

// --- (a) baseline: paged ldapsearch of the same objects and attributes --------------------
const attributes = resolveOptions({ urls: [ad.url], bindDn: ad.bindDn, password: ad.password, baseDn: ad.baseDn }).attributes;
const FILTER = '(&(|(&(objectCategory=person)(objectClass=user))(objectClass=group))(!(isCriticalSystemObject=TRUE)))';
function ldapsearchDump(): { seconds: number; entries: number } {
  const t0 = performance.now();
  const out = spawnSync('bash', ['-c', `ldapsearch -LLL -x -H "$URL" -D "$BIND" -w "$PASS" -b "$BASE" -E pr=1000/noprompt "$FILTER" ${attributes.map((a) => `'${a}'`).join(' ')} | grep -c '^dn:'`], {
    env: { ...process.env, URL: ad.url, BIND: ad.bindDn, PASS: ad.password, BASE: ad.baseDn, FILTER, LDAPTLS_CACERT: ad.caFile },
    encoding: 'utf8',
  });
  return { seconds: (performance.now() - t0) / 1000, entries: Number(out.stdout.trim()) };
}
const dumps = [ldapsearchDump(), ldapsearchDump(), ldapsearchDump()];
const baseline = dumps.reduce((best, run) => (run.seconds < best.seconds ? run : best));
log(`(a) ldapsearch: ${baseline.entries} entries in ${baseline.seconds.toFixed(2)} s (${Math.round(baseline.entries / baseline.seconds)}/s, best of 3)`);

// --- (b) initial sync through real processes ------------------------------------------------
const dir = mkdtempSync(join(tmpdir(), 'canopy-bench-'));
let serve = await startServe(join(dir, 'service'));
const graph = new GraphClient(serve.url, readBootstrap(serve.dataDir));
const setup = await enrollAgent(dir, serve, 'agent1');
const agent = await runAgent(setup);
const job = await enableDomain(graph, { domain: ad.domain, containers: [], start: false });
await graph.expect(204, 'PATCH', jobPath(job), { schedule: { interval: 'PT1H' } });
const t0 = new Date();
await graph.expect(204, 'POST', `${jobPath(job)}/start`);
const initial = await waitForCycle(graph, job, t0, 3_600_000);
const initialSeconds = (Date.parse(initial.timeEnded) - t0.getTime()) / 1000;
const initialObjects = initial.countImported;
if (initial.error) throw new Error(`the initial sync failed: ${initial.error.message}`);
log(`(b) initial sync: ${initialObjects} objects in ${initialSeconds.toFixed(2)} s (${Math.round(initialObjects / initialSeconds)}/s), ratio to (a) ${(baseline.seconds / initialSeconds).toFixed(2)}`);

// --- (c) an idle delta cycle -------------------------------------------------------------
const idle: number[] = [];
for (let i = 0; i < 5; i++) {
  const since = new Date();
  await graph.expect(204, 'POST', `${jobPath(job)}/start`);
  const cycle = await waitForCycle(graph, job, since);
  idle.push(Date.parse(cycle.timeEnded) - Date.parse(cycle.timeBegan));
}
log(`(c) idle delta cycle: median ${median(idle)} ms (5 cycles, engine's timeBegan→timeEnded)`);

// --- (d) ldapmodify → visible through Graph -------------------------------------------------
const ldap = await adminClient();
const { searchEntries } = await ldap.search(ad.baseDn, { filter: '(&(objectCategory=person)(objectClass=user)(title=*)(!(isCriticalSystemObject=TRUE))(!(sAMAccountName=canopy-*)))', attributes: ['sAMAccountName'], sizeLimit: 2000, paged: { pageSize: 500 } });
const targets: { dn: string; sam: string; id: string }[] = [];
for (const entry of searchEntries) {
  if (targets.length >= CHANGES) break;
  const sam = String(entry.sAMAccountName);
  const found = await graph.get(`/v1.0/users?$filter=${encodeURIComponent(`onPremisesSamAccountName eq '${sam.replace(/'/g, "''")}'`)}&$select=id`);
  const id = (found.value as { id: string }[])[0]?.id;
  if (id) targets.push({ dn: entry.dn, sam, id });
}
const latencies: number[] = [];
for (const [i, target] of targets.entries()) {
  const title = `Bench ${Date.now()}-${i}`;
  const start = performance.now();
  await ldap.modify(target.dn, [new Change({ operation: 'replace', modification: new Attribute({ type: 'title', values: [title] }) })]);
  for (;;) {
    const user = await graph.get(`/v1.0/users/${target.id}?$select=jobTitle`);
    if (user.jobTitle === title) break;
    if (performance.now() - start > 120_000) throw new Error(`${target.sam}: the change did not reach Graph within 120 s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  latencies.push(performance.now() - start);
}
await ldap.unbind();
const latency = { changes: latencies.length, p50Ms: Math.round(quantile(latencies, 0.5)), p95Ms: Math.round(quantile(latencies, 0.95)), maxMs: Math.round(Math.max(...latencies)) };
log(`(d) ldapmodify → Graph: p50 ${latency.p50Ms} ms, p95 ${latency.p95Ms} ms, max ${latency.maxMs} ms over ${latency.changes} changes`);

// --- (e) peak RSS and (f) idle cost --------------------------------------------------------
const procStatus = (pid: number, field: string): number => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const cpuSeconds = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks (USER_HZ 100)
};
const peak = { agentMb: Math.round(procStatus(agent.child.pid!, 'VmHWM')), serviceMb: Math.round(procStatus(serve.process.child.pid!, 'VmHWM')) };
log(`(e) peak RSS: agent ${peak.agentMb} MB, service ${peak.serviceMb} MB`);
// Idle means idle: the cycles started by the last changes of (d) end first (SETTLE_S), then
// both processes are measured over IDLE_S from /proc (utime + stime), with the cycles that
// started meanwhile counted (wake-ups with nothing to do cost the service and the agent).
const IDLE_S = 30;
const SETTLE_S = 5;
await new Promise((resolve) => setTimeout(resolve, SETTLE_S * 1000));
const cyclesStarted = (): number => serve.process.output.filter((line) => / started \(/.test(line)).length;
const cpu0 = { agent: cpuSeconds(agent.child.pid!), service: cpuSeconds(serve.process.child.pid!), cycles: cyclesStarted() };
await new Promise((resolve) => setTimeout(resolve, IDLE_S * 1000));
const agentPercent = (100 * (cpuSeconds(agent.child.pid!) - cpu0.agent)) / IDLE_S;
const servicePercent = (100 * (cpuSeconds(serve.process.child.pid!) - cpu0.service)) / IDLE_S;
const idleCost = {
  seconds: IDLE_S,
  agentPercentOfCore: Number(agentPercent.toFixed(2)),
  servicePercentOfCore: Number(servicePercent.toFixed(2)),
  totalPercentOfCore: Number((agentPercent + servicePercent).toFixed(2)),
  cycles: cyclesStarted() - cpu0.cycles,
};
log(`(f) idle: agent ${idleCost.agentPercentOfCore}% of a core (change watch + DirSync poll), service ${idleCost.servicePercentOfCore}%, ` +
  `together ${idleCost.totalPercentOfCore}%; ${idleCost.cycles} cycles woken meanwhile`);

// --- (g) start-up ----------------------------------------------------------------------------
/** Milliseconds from spawning `canopy ARGS` to its first output (or to a line matching `until`, then SIGTERM and wait). */
function firstOutputMs(argv: string[], env: NodeJS.ProcessEnv = {}, until?: RegExp): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, [CANOPY_BIN, ...argv], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    let elapsed: number | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      if (elapsed !== undefined) return;
      text += chunk.toString();
      if (until && !until.test(text)) return;
      elapsed = performance.now() - start;
      if (until) child.kill('SIGTERM');
    });
    child.on('error', reject);
    child.on('exit', (code) => (elapsed === undefined ? reject(new Error(`canopy ${argv.join(' ')} exited ${code} without the expected output`)) : resolve(elapsed)));
  });
}
const times = async (argv: string[], env?: NodeJS.ProcessEnv): Promise<number> => {
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) runs.push(await firstOutputMs(argv, env));
  return Math.round(median(runs));
};
/** Node itself, to first output: what any command pays on this machine now (a loaded machine shows here first). */
async function bareNodeMs(): Promise<number> {
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) {
    runs.push(await new Promise<number>((resolve, reject) => {
      const start = performance.now();
      const child = spawn(process.execPath, ['-p', '1'], { stdio: ['ignore', 'pipe', 'ignore'] });
      child.stdout.once('data', () => resolve(performance.now() - start));
      child.on('error', reject);
    }));
  }
  return Math.round(median(runs));
}
const startup = {
  bareNodeMs: await bareNodeMs(),
  versionMs: await times(['--version']),
  versionFromSourcesMs: await times(['--version'], { CANOPY_RUN_SOURCES: '1' }),
  statusMs: await times(['status', '--data', serve.dataDir]),
  serveReadyMs: 0,
};
await stopProcess(agent);
await stopProcess(serve.process);
{
  const port = new URL(serve.url).port;
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const ms = await firstOutputMs(['serve', '--data', serve.dataDir, '--listen', `127.0.0.1:${port}`], {}, /canopy: serving/);
    runs.push(ms);
  }
  startup.serveReadyMs = Math.round(median(runs));
}
log(`(g) start-up to first output (bare node: ${startup.bareNodeMs} ms): --version ${startup.versionMs} ms (sources through tsx: ${startup.versionFromSourcesMs} ms), status ${startup.statusMs} ms, serve ready ${startup.serveReadyMs} ms`);
rmSync(dir, { recursive: true, force: true });
serve = undefined as never;

// --- (h) the engine against raw store writes ----------------------------------------------------
const engineRun = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'bench/sync-throughput.ts'), '--runs', '1'], { cwd: root, encoding: 'utf8' });
const engineLine = engineRun.stdout.trim().split('\n').at(-1) ?? '';
const engineRatio = Number(/ratio engine\/baseline ([\d.]+)/.exec(engineLine)?.[1] ?? NaN);
log(`(h) engine: ${engineLine}`);

// --- results ------------------------------------------------------------------------------------
const results = {
  date: new Date().toISOString(),
  users: USERS,
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version, load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ') },
  command: `npm run bench -- --users ${USERS}`,
  baseline: { entries: baseline.entries, seconds: Number(baseline.seconds.toFixed(3)), perSecond: Math.round(baseline.entries / baseline.seconds) },
  initialSync: { objects: initialObjects, seconds: Number(initialSeconds.toFixed(3)), perSecond: Math.round(initialObjects / initialSeconds), ratioToBaseline: Number((baseline.seconds / initialSeconds).toFixed(3)) },
  idleDeltaMs: median(idle),
  latency,
  peakRssMb: peak,
  idleCost,
  startup,
  engine: { ratioToRawStore: engineRatio, line: engineLine },
};
mkdirSync(join(root, 'bench/results'), { recursive: true });
const file = join(root, 'bench/results', `${results.date.slice(0, 10)}-${USERS}.json`);
writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
log(`wrote ${file}`);
const { writeReport } = await import('./report.ts');
writeReport(root);
log('updated docs/benchmarks.md');
process.exit(0);
