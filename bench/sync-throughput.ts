/**
 * `npm run bench`: throughput of the engine's initial sync over a synthetic directory
 * (default 10,000 users, 200 groups, 30,000 memberships, a manager for most users), fed
 * page by page to runCycle against a real SQLite store in a temporary folder; then of a
 * delta in which every user changed (partial upserts, as DirSync reports a modify).
 *
 * Machines are noisy, so the figure that matters is the ratio to a baseline measured in the
 * same run: the bare store writes of the same users (createUsers in 500-row transactions).
 * Options: --users N --groups N --members N --page N --runs N (default 3; the best of each is
 * compared). Profile with
 * `node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/sync-throughput.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { AdChange, AdObject } from '../src/core/ad-object.ts';
import { openSqliteDirectoryStore, directoryDatabasePath } from '../src/directory/sqlite/store.ts';
import type { DirectoryStore } from '../src/directory/store.ts';
import type { NewUser } from '../src/directory/types.ts';
import { runCycle } from '../src/engine/cycle.ts';
import type { ChangeSource, CycleJob, SourcePage } from '../src/engine/ports.ts';
import { defaultSchema } from '../src/engine/schema/default-schema.ts';
import { createSqliteSyncStore } from '../src/engine/sqlite/sync-store.ts';

const { values: args } = parseArgs({
  options: {
    users: { type: 'string', default: '10000' },
    groups: { type: 'string', default: '200' },
    members: { type: 'string', default: '30000' },
    page: { type: 'string', default: '1000' },
    runs: { type: 'string', default: '3' },
  },
});
const USERS = Number(args.users);
const GROUPS = Number(args.groups);
const MEMBERS = Number(args.members);
const PAGE = Number(args.page);
const RUNS = Number(args.runs);

const BASE = 'DC=bench,DC=canopy,DC=test';
const OU = `OU=People,${BASE}`;
const DOMAIN = 'bench.canopy.test';

function guid(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

/** A deterministic pseudo-random sequence (mulberry32), so every run reads the same directory. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const userDn = (n: number) => `CN=User ${n}\\, Bench,${OU}`;
const groupDn = (n: number) => `CN=Group ${n},${OU}`;

function user(n: number): AdObject {
  const attributes: Record<string, readonly string[]> = {
    cn: [`User ${n}, Bench`],
    sAMAccountName: [`user${n}`],
    userPrincipalName: [`user${n}@${DOMAIN}`],
    displayName: [`User ${n}`],
    givenName: ['User'],
    sn: [String(n)],
    mail: [`user${n}@${DOMAIN}`],
    proxyAddresses: [`SMTP:user${n}@${DOMAIN}`, `smtp:u${n}@alias.${DOMAIN}`],
    department: [`Department ${n % 40}`],
    title: ['Engineer'],
    userAccountControl: ['512'],
  };
  // Most users have a manager; some come before their manager (pending, resolved later).
  if (n % 10 !== 0) attributes.manager = [userDn(n - (n % 10))];
  return {
    dn: userDn(n),
    objectGuid: guid(n),
    objectClass: 'user',
    objectClasses: ['top', 'person', 'organizationalPerson', 'user'],
    objectSid: `S-1-5-21-1-2-3-${1000 + n}`,
    attributes,
  };
}

function group(n: number, members: readonly string[]): AdObject {
  return {
    dn: groupDn(n),
    objectGuid: guid(1_000_000 + n),
    objectClass: 'group',
    objectClasses: ['top', 'group'],
    objectSid: `S-1-5-21-1-2-3-${900_000 + n}`,
    attributes: { cn: [`Group ${n}`], sAMAccountName: [`group${n}`], groupType: ['-2147483646'], description: [`Bench group ${n}`], member: members },
  };
}

/** Members of each group: MEMBERS user DNs spread at random, a few nested groups. */
function groupMembers(): string[][] {
  const next = random(42);
  const members = Array.from({ length: GROUPS }, () => new Set<string>());
  for (let i = 0; i < MEMBERS; i++) members[Math.floor(next() * GROUPS)]!.add(userDn(1 + Math.floor(next() * USERS)));
  for (let g = 1; g < GROUPS; g += 10) members[g - 1]!.add(groupDn(g + 1)); // group g holds group g + 1
  return members.map((s) => [...s]);
}

/**
 * The directory in creation order, as a full DirSync read returns it: users, with the groups
 * spread among them, so that many members arrive after their group (pending references).
 */
function* objects(): Generator<AdObject> {
  const members = groupMembers();
  const every = Math.max(1, Math.floor(USERS / Math.max(1, GROUPS)));
  let g = 0;
  for (let n = 1; n <= USERS; n++) {
    yield user(n);
    if (n % every === 0 && g < GROUPS) yield group(++g, members[g - 1]!);
  }
  while (g < GROUPS) yield group(++g, members[g - 1]!);
}

/**
 * The first read is the full initial read; the second a delta in which every user's title
 * changed (partial upserts, as DirSync reports a modify); later ones are quiet.
 */
class SyntheticSource implements ChangeSource {
  #reads = 0;

  async *readDelta(_job: CycleJob, watermark: string | undefined): AsyncIterable<SourcePage> {
    const read = this.#reads++;
    if (read === 0) yield* this.#pages((function* () {
      for (const object of objects()) yield { kind: 'upsert', object, complete: true } as AdChange;
    })(), 'initial');
    else if (read === 1) yield* this.#pages((function* () {
      for (let n = 1; n <= USERS; n++) {
        const { dn, objectGuid, objectClass, objectClasses, objectSid } = user(n);
        const object: AdObject = { dn, objectGuid, objectClass, objectClasses, ...(objectSid ? { objectSid } : {}), attributes: { title: [`Engineer ${read}`] } };
        yield { kind: 'upsert', object, complete: false, changedAttributes: ['title'] } as AdChange;
      }
    })());
    else yield { changes: [], watermark: watermark ?? 'w', more: false };
  }

  async *#pages(changes: Iterable<AdChange>, reset?: 'initial'): AsyncGenerator<SourcePage> {
    let page: AdChange[] = [];
    let n = 0;
    for (const change of changes) {
      page.push(change);
      if (page.length === PAGE) {
        yield { changes: page, watermark: `w${n++}`, more: true, ...(reset ? { reset } : {}) };
        page = [];
      }
    }
    yield { changes: page, watermark: `w${n}`, more: false, ...(reset ? { reset } : {}) };
  }
}

interface Opened {
  directory: DirectoryStore;
  tenantId: string;
  dir: string;
  close(): Promise<void>;
}

async function open(): Promise<Opened> {
  const dir = mkdtempSync(join(tmpdir(), 'canopy-bench-'));
  const directory = openSqliteDirectoryStore(directoryDatabasePath(dir));
  const tenantId = randomUUID();
  await directory.transaction((tx) => tx.createTenant({ id: tenantId, displayName: 'Bench', createdDateTime: new Date().toISOString() }));
  return {
    directory, tenantId, dir,
    async close() {
      await directory.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Baseline: the same users written straight to the store, 500 per transaction. */
async function baseline(): Promise<number> {
  const o = await open();
  try {
    const started = performance.now();
    let batch: NewUser[] = [];
    const flush = async () => {
      const users = batch;
      batch = [];
      await o.directory.transaction((tx) => tx.createUsers(o.tenantId, users));
    };
    for (let n = 1; n <= USERS; n++) {
      batch.push({
        userPrincipalName: `user${n}@${DOMAIN}`, displayName: `User ${n}`, givenName: 'User', surname: String(n), mail: `user${n}@${DOMAIN}`,
        mailNickname: `user${n}`, proxyAddresses: [`SMTP:user${n}@${DOMAIN}`, `smtp:u${n}@alias.${DOMAIN}`], department: `Department ${n % 40}`,
        jobTitle: 'Engineer', accountEnabled: true, onPremisesImmutableId: Buffer.from(guid(n)).toString('base64'), onPremisesSyncEnabled: true,
        onPremisesSamAccountName: `user${n}`, onPremisesDistinguishedName: userDn(n), onPremisesLastSyncDateTime: new Date().toISOString(),
      });
      if (batch.length === 500) await flush();
    }
    if (batch.length > 0) await flush();
    return (performance.now() - started) / 1000;
  } finally {
    await o.close();
  }
}

async function engine(): Promise<{ seconds: number; deltaSeconds: number; quietSeconds: number; users: number; groups: number; members: number; escrowed: number; updated: number }> {
  const o = await open();
  const store = createSqliteSyncStore(o.directory);
  try {
    const schema = defaultSchema();
    const rule = schema.synchronizationRules[0]!;
    const job: CycleJob = {
      tenantId: o.tenantId,
      jobId: `AD2AADProvisioning.${randomUUID().replace(/-/g, '')}`,
      domain: DOMAIN,
      schema: { ...schema, synchronizationRules: [{ ...rule, containerFilter: { includedContainers: [OU] } }] },
    };
    const source = new SyntheticSource();
    const started = performance.now();
    const result = await runCycle({ job, source, store });
    const seconds = (performance.now() - started) / 1000;
    const deltaStarted = performance.now();
    const delta = await runCycle({ job, source, store });
    const deltaSeconds = (performance.now() - deltaStarted) / 1000;
    const quietStarted = performance.now();
    await runCycle({ job, source, store });
    const quietSeconds = (performance.now() - quietStarted) / 1000;
    let members = 0;
    const groups = await o.directory.listGroups(o.tenantId, { limit: 1000 });
    for (const g of groups.items) members += await o.directory.countGroupMembers(o.tenantId, g.id);
    const counts = Object.fromEntries(result.synchronizedEntryCountByType.map((c) => [c.key, c.value]));
    return { seconds, deltaSeconds, quietSeconds, updated: delta.execution.countExported, users: counts['user to User'] ?? 0, groups: counts['group to Group'] ?? 0, members, escrowed: result.execution.countEscrowed };
  } finally {
    await store.close();
    await o.close();
  }
}

const objectsTotal = USERS + GROUPS;
const expectedMembers = groupMembers().reduce((n, members) => n + members.length, 0);
console.log(`bench: ${USERS} users, ${GROUPS} groups, ~${MEMBERS} memberships, pages of ${PAGE}`);
let bestBase = Infinity;
let bestEngine = Infinity;
let bestDelta = Infinity;
for (let run = 1; run <= RUNS; run++) {
  const base = await baseline();
  const e = await engine();
  bestBase = Math.min(bestBase, base);
  bestEngine = Math.min(bestEngine, e.seconds);
  bestDelta = Math.min(bestDelta, e.deltaSeconds);
  const rate = objectsTotal / e.seconds;
  const baseRate = USERS / base;
  if (e.users !== USERS || e.groups !== GROUPS || e.escrowed !== 0 || e.members !== expectedMembers || e.updated !== USERS) {
    console.error(`FAIL: synced ${e.users} users, ${e.groups} groups, ${e.members}/${expectedMembers} memberships, ${e.escrowed} escrowed, ${e.updated} updated by the delta`);
    process.exitCode = 1;
  }
  console.log([
    `run ${run}:`,
    `baseline createUsers ${Math.round(baseRate)} users/s (${base.toFixed(2)} s);`,
    `engine initial sync ${Math.round(rate)} objects/s (${e.seconds.toFixed(2)} s, ${e.members} memberships);`,
    `ratio engine/baseline ${(rate / baseRate).toFixed(3)};`,
    `delta of ${e.updated} modified users ${Math.round(USERS / e.deltaSeconds)} objects/s (${e.deltaSeconds.toFixed(2)} s);`,
    `quiet delta ${e.quietSeconds.toFixed(2)} s`,
  ].join(' '));
}
if (RUNS > 1) {
  // Best of the runs for each: the least disturbed by other work on the machine.
  const rate = objectsTotal / bestEngine;
  const baseRate = USERS / bestBase;
  console.log(`best of ${RUNS}: baseline ${Math.round(baseRate)} users/s; engine initial ${Math.round(rate)} objects/s, ratio ${(rate / baseRate).toFixed(3)}; delta ${Math.round(USERS / bestDelta)} objects/s, ratio ${(USERS / bestDelta / baseRate).toFixed(3)}`);
}
