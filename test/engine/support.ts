/** Shared by the engine tests: real SQLite stores, AD-shaped objects, a replaying ChangeSource. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { AdChange, AdObject } from '../../src/core/ad-object.ts';
import { normalizeDn } from '../../src/core/dn.ts';
import { openSqliteDirectoryStore, directoryDatabasePath } from '../../src/directory/sqlite/store.ts';
import { createSqliteSyncStore } from '../../src/engine/sqlite/sync-store.ts';
import { openPostgresDirectoryStore } from '../../src/directory/postgres/store.ts';
import { createPostgresSyncStore } from '../../src/engine/postgres/sync-store.ts';
import type { DirectoryStore } from '../../src/directory/store.ts';
import pg from 'pg';
import type { ChangeSource, CycleJob, SourcePage, SyncStore } from '../../src/engine/ports.ts';
import { defaultSchema } from '../../src/engine/schema/default-schema.ts';

export const BASE = 'DC=corp,DC=canopy,DC=test';
export const SALES = `OU=Sales,${BASE}`;
export const OUTSIDE = `OU=Outside,${BASE}`;

export function guid(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

export function user(n: number, attrs: Record<string, string | string[]> = {}, options: { ou?: string; cn?: string; consistencyGuid?: string } = {}): AdObject {
  const cn = options.cn ?? `User ${n}`;
  const attributes: Record<string, readonly string[]> = {
    cn: [cn],
    sAMAccountName: [`user${n}`],
    userPrincipalName: [`user${n}@corp.canopy.test`],
    displayName: [cn],
    givenName: ['User'],
    sn: [String(n)],
    mail: [`user${n}@corp.canopy.test`],
    userAccountControl: ['512'],
  };
  for (const [k, v] of Object.entries(attrs)) attributes[k] = Array.isArray(v) ? v : [v];
  return {
    dn: `CN=${cn},${options.ou ?? SALES}`,
    objectGuid: guid(n),
    objectClass: 'user',
    objectClasses: ['top', 'person', 'organizationalPerson', 'user'],
    objectSid: `S-1-5-21-1-2-3-${1000 + n}`,
    ...(options.consistencyGuid ? { consistencyGuid: options.consistencyGuid } : {}),
    attributes,
  };
}

export function group(n: number, members: string[], attrs: Record<string, string | string[]> = {}, ou = SALES): AdObject {
  const cn = `Group ${n}`;
  const attributes: Record<string, readonly string[]> = {
    cn: [cn],
    sAMAccountName: [`group${n}`],
    groupType: ['-2147483646'],
    member: members,
  };
  for (const [k, v] of Object.entries(attrs)) attributes[k] = Array.isArray(v) ? v : [v];
  return { dn: `CN=${cn},${ou}`, objectGuid: guid(10_000 + n), objectClass: 'group', objectClasses: ['top', 'group'], objectSid: `S-1-5-21-1-2-3-${5000 + n}`, attributes };
}

export const upsert = (object: AdObject, complete = true): AdChange => ({ kind: 'upsert', object, complete });
export const tombstone = (objectGuid: string, reason: 'deleted' | 'out-of-scope' = 'deleted'): AdChange => ({ kind: 'delete', objectGuid, reason });

/**
 * Replays recorded reads: each call of readDelta returns the next recorded read (a list of
 * pages). The watermark it was given is kept, so tests can check what the engine resumed
 * from. `failAt` throws before yielding page N (0-based) of the next read, once.
 */
export class ReplaySource implements ChangeSource {
  readonly reads: SourcePage[][] = [];
  readonly watermarksSeen: (string | undefined)[] = [];
  failAt: number | undefined;
  objects = new Map<string, AdObject>();
  #recorded = 0;

  push(...pages: (readonly AdChange[])[]): this {
    const n = this.#recorded++;
    this.reads.push(pages.map((changes, i) => ({ changes, watermark: `w${n}.${i}`, more: i < pages.length - 1 })));
    return this;
  }

  /** A full re-read, as the AD reader flags it (AdChangePage.reset). */
  pushReset(reason: 'initial' | 'dc-changed', ...pages: (readonly AdChange[])[]): this {
    const n = this.#recorded++;
    this.reads.push(pages.map((changes, i) => ({ changes, watermark: `w${n}.${i}`, more: i < pages.length - 1, reset: reason })));
    return this;
  }

  async *readDelta(_job: CycleJob, watermark: string | undefined): AsyncIterable<SourcePage> {
    this.watermarksSeen.push(watermark);
    const pages = this.reads.shift() ?? [];
    let skipping = watermark !== undefined && pages.some((p) => p.watermark === watermark);
    for (let i = 0; i < pages.length; i++) {
      const page = pages[i]!;
      // A resumed read starts after the page whose watermark was committed, as DirSync does.
      if (skipping) {
        if (page.watermark === watermark) skipping = false;
        continue;
      }
      if (this.failAt === i) {
        this.failAt = undefined;
        this.reads.unshift(pages); // the same read is offered again on the rerun
        throw new Error('agent connection lost');
      }
      yield page;
    }
  }

  async readObject(_job: CycleJob, objectGuid: string): Promise<AdObject | undefined> {
    return this.objects.get(objectGuid);
  }

  /** By DN among `objects` (case-insensitive, as AD compares DNs). */
  async readObjectByDn(_job: CycleJob, dn: string): Promise<AdObject | undefined> {
    return [...this.objects.values()].find((o) => normalizeDn(o.dn) === normalizeDn(dn));
  }
}

export interface Harness {
  readonly store: SyncStore;
  readonly tenantId: string;
  readonly job: CycleJob;
  close(): Promise<void>;
}

/**
 * The stores of a harness: SQLite files by default; with CANOPY_TEST_STORE=postgres://… a
 * fresh schema of that database (dropped at close), so that the engine's own tests can run
 * against Postgres too: `CANOPY_TEST_STORE=postgres://postgres@127.0.0.1/canopy_x npm test -- test/engine/cycle.test.ts`.
 */
async function openStores(): Promise<{ directory: DirectoryStore; store: SyncStore; drop(): Promise<void> }> {
  const url = process.env.CANOPY_TEST_STORE;
  if (url?.startsWith('postgres')) {
    const schema = `engine_${randomUUID().replace(/-/g, '')}`;
    const at = new URL(url);
    at.searchParams.set('schema', schema);
    const directory = await openPostgresDirectoryStore(at.toString());
    const store = await createPostgresSyncStore(directory);
    return { directory, store, drop: async () => { const admin = new pg.Client({ connectionString: url }); await admin.connect(); await admin.query(`DROP SCHEMA ${schema} CASCADE`); await admin.end(); } };
  }
  const dir = mkdtempSync(join(tmpdir(), 'canopy-engine-'));
  const directory = openSqliteDirectoryStore(directoryDatabasePath(dir));
  return { directory, store: createSqliteSyncStore(directory), drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

export async function openHarness(options: { containers?: string[] } = {}): Promise<Harness> {
  const { directory, store, drop } = await openStores();
  const tenantId = randomUUID();
  await directory.transaction(async (tx) => {
    await tx.createTenant({ id: tenantId, displayName: 'Engine tests', createdDateTime: new Date().toISOString() });
  });
  const schema = defaultSchema();
  const rule = schema.synchronizationRules[0]!;
  const job: CycleJob = {
    tenantId,
    jobId: `AD2AADProvisioning.${randomUUID().replace(/-/g, '')}`,
    domain: 'corp.canopy.test',
    schema: { ...schema, synchronizationRules: [{ ...rule, containerFilter: { includedContainers: options.containers ?? [SALES] } }] },
    syncAccount: { sAMAccountName: 'svc-canopy' },
  };
  return {
    store, tenantId, job,
    async close() {
      await store.close();
      await directory.close();
      await drop();
    },
  };
}
