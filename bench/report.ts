/**
 * docs/benchmarks.md and docs/benchmarks.svg from every bench/results/*.json (written by
 * bench/end-to-end.ts): one table row per run, each figure marked against the target of
 * issue 11, and a chart of the ratios and latencies. `node --import tsx bench/report.ts`
 * rewrites both without running anything.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

interface Result {
  date: string;
  users: number;
  machine: { cpus: number; cpuModel: string; memoryGb: number; node: string; load: string };
  command: string;
  baseline: { entries: number; seconds: number; perSecond: number };
  initialSync: { objects: number; seconds: number; perSecond: number; ratioToBaseline: number };
  idleDeltaMs: number;
  latency: { changes: number; p50Ms: number; p95Ms: number; maxMs: number };
  peakRssMb: { agentMb: number; serviceMb: number };
  /** totalPercentOfCore and cycles from 2026-12-03 on (earlier runs measured the agent alone, without settling). */
  idleCost: { seconds: number; agentPercentOfCore: number; servicePercentOfCore: number; totalPercentOfCore?: number; cycles?: number };
  startup: { bareNodeMs?: number; versionMs: number; versionFromSourcesMs: number; statusMs: number; serveReadyMs: number };
  engine: { ratioToRawStore: number; line: string };
}

const mark = (met: boolean): string => (met ? '✅' : '❌');

/** Agent + service (agent alone in the first runs, which measured only it). */
function idleText(idle: Result['idleCost']): string {
  if (idle.totalPercentOfCore === undefined) return `agent ${idle.agentPercentOfCore}%, service ${idle.servicePercentOfCore}% ${mark(idle.agentPercentOfCore + idle.servicePercentOfCore < 1)}`;
  return `${idle.totalPercentOfCore}% ${mark(idle.totalPercentOfCore < 1)} (agent ${idle.agentPercentOfCore}%, service ${idle.servicePercentOfCore}%; ${idle.cycles} wake-ups)`;
}

function rows(results: readonly Result[]): string[] {
  const lines = [
    '| run | (a) ldapsearch | (b) initial sync | (b)/(a) ≥ 0.8 | (c) idle delta ≤ 100 ms | (d) p50 ≤ 300 ms | (d) p95 ≤ 1 s | (e) agent RSS | (e) service RSS | idle agent + service CPU < 1% | engine/raw store ≥ 0.5 | --version ≤ 200 ms | status ≤ 200 ms | serve ready ≤ 1 s |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    const rssLimit = r.users >= 50_000; // the RSS targets are stated at 50k users
    lines.push(
      [
        `${r.date.slice(0, 16).replace('T', ' ')}, ${r.users.toLocaleString('en')} users`,
        `${r.baseline.entries} in ${r.baseline.seconds.toFixed(2)} s (${r.baseline.perSecond}/s)`,
        `${r.initialSync.objects} in ${r.initialSync.seconds.toFixed(2)} s (${r.initialSync.perSecond}/s)`,
        `${r.initialSync.ratioToBaseline.toFixed(2)} ${mark(r.initialSync.ratioToBaseline >= 0.8)}`,
        `${r.idleDeltaMs} ms ${mark(r.idleDeltaMs <= 100)}`,
        `${r.latency.p50Ms} ms ${mark(r.latency.p50Ms <= 300)}`,
        `${r.latency.p95Ms} ms ${mark(r.latency.p95Ms <= 1000)}`,
        `${r.peakRssMb.agentMb} MB${rssLimit ? ` ${mark(r.peakRssMb.agentMb <= 150)}` : ''}`,
        `${r.peakRssMb.serviceMb} MB${rssLimit ? ` ${mark(r.peakRssMb.serviceMb <= 300)}` : ''}`,
        idleText(r.idleCost),
        `${Number.isFinite(r.engine.ratioToRawStore) ? r.engine.ratioToRawStore.toFixed(2) : '-'} ${mark(r.engine.ratioToRawStore >= 0.5)}`,
        `${r.startup.versionMs} ms ${mark(r.startup.versionMs <= 200)} (tsx: ${r.startup.versionFromSourcesMs} ms${r.startup.bareNodeMs !== undefined ? `; bare node: ${r.startup.bareNodeMs} ms` : ''})`,
        `${r.startup.statusMs} ms ${mark(r.startup.statusMs <= 200)}`,
        `${r.startup.serveReadyMs} ms ${mark(r.startup.serveReadyMs <= 1000)}`,
      ].join(' | ').replace(/^/, '| ').replace(/$/, ' |'),
    );
  }
  return lines;
}

/** Bars per run: the initial sync's ratio to ldapsearch, the engine's to raw store writes, and the latency p50/p95 in seconds. */
function chart(results: readonly Result[]): string {
  const series = [
    { name: 'initial sync / ldapsearch', target: 0.8, value: (r: Result) => r.initialSync.ratioToBaseline, color: '#2b7a3d' },
    { name: 'engine / raw store writes', target: 0.5, value: (r: Result) => r.engine.ratioToRawStore, color: '#3b6bb5' },
    { name: 'change → Graph p50 (s)', target: 0.3, value: (r: Result) => r.latency.p50Ms / 1000, color: '#c58b1b' },
    { name: 'change → Graph p95 (s)', target: 1, value: (r: Result) => r.latency.p95Ms / 1000, color: '#b5413b' },
  ];
  const barW = 28;
  const groupW = series.length * barW + 40;
  const height = 260;
  const top = 30;
  const plotH = 180;
  const max = Math.max(1.2, ...results.flatMap((r) => series.map((s) => (Number.isFinite(s.value(r)) ? s.value(r) : 0))));
  const y = (v: number): number => top + plotH - (plotH * v) / max;
  const width = Math.max(780, 60 + results.length * groupW + 220);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`];
  parts.push(`<text x="10" y="16" font-size="13">npm run bench: ratios to the same run's baselines (higher is better) and change latency in seconds (lower is better)</text>`);
  parts.push(`<line x1="50" y1="${y(0)}" x2="${width - 220}" y2="${y(0)}" stroke="#444"/>`);
  for (let v = 0; v <= max; v += 0.2) parts.push(`<text x="20" y="${y(v) + 4}">${v.toFixed(1)}</text><line x1="48" y1="${y(v)}" x2="${width - 220}" y2="${y(v)}" stroke="#ddd"/>`);
  results.forEach((r, i) => {
    const x0 = 60 + i * groupW;
    series.forEach((s, j) => {
      const v = Number.isFinite(s.value(r)) ? s.value(r) : 0;
      const x = x0 + j * barW;
      parts.push(`<rect x="${x}" y="${y(v)}" width="${barW - 4}" height="${y(0) - y(v)}" fill="${s.color}"><title>${s.name}: ${v.toFixed(2)} (target ${s.target})</title></rect>`);
      parts.push(`<line x1="${x - 1}" y1="${y(s.target)}" x2="${x + barW - 3}" y2="${y(s.target)}" stroke="#000" stroke-dasharray="3,2"/>`);
      parts.push(`<text x="${x}" y="${y(v) - 3}" font-size="9">${v.toFixed(2)}</text>`);
    });
    parts.push(`<text x="${x0}" y="${y(0) + 16}">${r.users.toLocaleString('en')} users</text><text x="${x0}" y="${y(0) + 30}" font-size="9">${r.date.slice(0, 10)}</text>`);
  });
  series.forEach((s, j) => {
    parts.push(`<rect x="${width - 210}" y="${top + j * 18}" width="12" height="12" fill="${s.color}"/><text x="${width - 194}" y="${top + j * 18 + 10}">${s.name}</text>`);
  });
  parts.push(`<text x="${width - 210}" y="${top + series.length * 18 + 12}">dashed: target</text>`);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

export function writeReport(root: string): void {
  const dir = join(root, 'bench/results');
  const results = readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as Result);
  const latest = results.at(-1);
  const machine = latest
    ? `${latest.machine.cpus} × ${latest.machine.cpuModel}, ${latest.machine.memoryGb} GB, Node ${latest.machine.node}, Samba 4 AD DC on loopback; load average at the end of the run: ${latest.machine.load} (the machine is shared, so absolute figures vary run to run; the ratios are to baselines measured in the same run)`
    : 'no run yet';
  const text = [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (bench/end-to-end.ts, then bench/report.ts); every figure comes',
    'from one run against one Samba DC forest, and the speed figures are ratios to a baseline of',
    'the same run. Targets from issue 11; ✅ met, ❌ not met.',
    '',
    '```sh',
    'npm ci                               # builds dist/ too',
    'npm run bench                        # 10,000 users (forest built once in /var/tmp/canopy-bench-dc-10000)',
    'npm run bench -- --users 50000       # 50,000 users (~14 min of one core to build the forest, once)',
    '```',
    '',
    `Machine: ${machine}.`,
    '',
    '![npm run bench](benchmarks.svg)',
    '',
    ...rows(results),
    '',
    '- (a) a paged `ldapsearch` (pages of 1,000) of the users and groups with the agent\'s attributes, output',
    '  counted and thrown away: how fast this DC can be read at all (best of 3).',
    '- (b) the first cycle of a job over the whole domain, through `canopy serve` (relay, engine,',
    '  SQLite) and `canopy agent run` as real processes: from POST start to the job\'s timeEnded.',
    '- (c) the engine\'s time for a cycle with nothing changed (median of 5).',
    '- (d) from the start of an `ldapmodify` (title) to the new jobTitle read through the Graph API,',
    '  one change at a time, the job\'s schedule at PT1H: each cycle was started by the agent\'s change',
    '  signal (notification or DirSync poll every 300 ms) and the service\'s 100 ms debounce.',
    '- (e) VmHWM of the two processes at the end of (d). Targets stated at 50k users.',
    '- idle: CPU time (/proc utime + stime) of the agent and the service over 30 s with nothing changing,',
    '  5 s after the last change of (d); "wake-ups": cycles the change signals started meanwhile.',
    '- engine/raw store: bench/sync-throughput.ts, the engine over a synthetic 10k-user directory against',
    '  raw createUsers into the same SQLite (one run).',
    '- start-up: spawn to first output of `bin/canopy.mjs` (compiled dist/; in brackets the same',
    '  through tsx from the sources; "bare node" is `node -p 1`, the floor any command pays on the',
    '  machine at that moment), and `canopy serve` to its ready line on the data folder of (b).',
    '  These are wall times and suffer most from a loaded machine. In CPU time (user + sys, `time`),',
    '  `canopy --version` took 0.28 s from dist/ against 2.59 s through tsx on this machine.',
    '',
    '## What limits it',
    '',
    '- The run of 2026-12-03 ran at a load average of 25–31 on 2 cores (eight sessions building and',
    '  testing at once): its wall times are not comparable with the run before, and it shows what load',
    '  does. The relay declared the agent down after 6 s without a heartbeat several times during the',
    '  initial read; each reconnection lost the agent\'s open read, and the engine\'s next /Delta replayed',
    '  the full read from its start (at-least-once: correct, but 42,539 objects imported for 10,083).',
    '  A full read that resumes where it was cut, and a heartbeat tolerant of a starved machine, are',
    '  not built yet.',
    '- Initial sync: the engine\'s write path, not AD or the relay: the engine alone reaches about 0.2×',
    '  raw store writes into the same SQLite (2026-12-02; 0.08 at load 30). A CPU profile of the initial',
    '  sync alone (2026-12-03, bench/sync-throughput.ts): createUsers itself 12% (what the baseline does),',
    '  attribute mappings 14% (half of it gone since: a new user\'s create mapping was evaluated twice),',
    '  reference resolution 12% (memberships, pending references, managers), GC 8%, BEGIN/COMMIT 6%,',
    '  provisioning-log rows 5%, source-state rows and DN lookups 6%, scoping 4%. Reaching 0.5× needs',
    '  the engine\'s own work per object below the cost of the insert itself: batched inserts per page',
    '  (users, source state, logs as multi-row statements), logs built without per-object JSON objects.',
    '- Idle cost: measured 5 s after the last change, the agent and the service together used 0.67% of a',
    '  core over 30 s (DirSync poll every 300 ms, the notification watch, relay heartbeats; no cycle woken).',
    '  The first run measured the agent alone right after the last change, still busy with it.',
    '- Memory: the agent\'s peak RSS is about 280–300 MB at 10k and was 277 MB at 24k (103 MB at 2.4k): it',
    '  levels off rather than growing with the directory, the sign of V8 sizing its heap to the',
    '  allocation rate of the initial read rather than of data held; the ≤ 150 MB target at 50k is not met.',
    '- Start-up: in CPU time `canopy serve` takes about 0.8–0.9 s to its ready line, most of it loading',
    '  fastify and registering the Graph routes twice (/v1.0 and /beta); pg and the Postgres adapters now',
    '  load only for `--store postgres://…`. `canopy --version` took 0.13 s of CPU from dist/ (2026-12-03).',
    '- No 50,000-user run yet: building that forest takes ~14 minutes of one core on a quiet machine',
    '  (over 20 minutes at load 28, when the build was stopped).',
    '',
  ].join('\n');
  writeFileSync(join(root, 'docs/benchmarks.md'), text);
  writeFileSync(join(root, 'docs/benchmarks.svg'), chart(results));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) writeReport(new URL('..', import.meta.url).pathname);
