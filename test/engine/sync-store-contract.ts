/**
 * The contract every SyncStore adapter passes (SQLite, Postgres): the engine's source-object
 * state, its batched reads, the full re-read marks, and that its writes commit or roll back
 * with the directory's transaction and watermark. Each adapter's test file calls
 * runSyncStoreContract with a factory giving a fresh store with one tenant.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeDn } from '../../src/core/dn.ts';
import type { SourceObjectState, SyncStore } from '../../src/engine/ports.ts';

export interface SyncStoreUnderTest {
  readonly store: SyncStore;
  readonly tenantId: string;
  close(): Promise<void>;
}

export type SyncStoreFactory = () => Promise<SyncStoreUnderTest>;

const guid = (n: number): string => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

function state(n: number, extra: Partial<SourceObjectState> = {}): SourceObjectState {
  return {
    objectGuid: guid(n).toUpperCase(),
    anchor: Buffer.from(guid(n)).toString('base64'),
    objectType: n % 2 === 0 ? 'user' : 'group',
    targetId: `target-${n}`,
    dn: `CN=Object ${n},OU=Sales,DC=corp,DC=test`,
    state: 'synced',
    pendingManager: null,
    ...extra,
  };
}

async function using(make: SyncStoreFactory, body: (store: SyncStore, tenantId: string) => Promise<void>): Promise<void> {
  const { store, tenantId, close } = await make();
  try {
    await body(store, tenantId);
  } finally {
    await close();
  }
}

export function runSyncStoreContract(name: string, make: SyncStoreFactory): void {
  describe(`SyncStore contract: ${name}`, () => {
    test('put upserts by objectGUID (case-insensitively, the last state of a batch wins); reads by GUID and by normalized DN', () => using(make, async (store, t) => {
      await store.transaction((tx) => tx.state.put(t, 'job', [state(1), state(2), state(3, { state: 'excluded', targetId: null })]));
      await store.transaction((tx) => tx.state.put(t, 'job', [state(2, { dn: 'CN=Moved,OU=Sales,DC=corp,DC=test' }), state(2, { dn: 'CN=Moved Again,OU=Sales,DC=corp,DC=test' })]));
      const byGuid = await store.state.byObjectGuids(t, 'job', [guid(1).toUpperCase(), guid(2), guid(9), guid(2)]);
      assert.deepEqual([...byGuid.keys()].sort(), [guid(1), guid(2)]);
      assert.equal(byGuid.get(guid(2))?.dn, 'CN=Moved Again,OU=Sales,DC=corp,DC=test');
      assert.equal(byGuid.get(guid(1))?.anchor, state(1).anchor);
      const byDn = await store.state.byDns(t, 'job', [normalizeDn('cn=object 1, ou=sales,dc=corp,dc=test'), normalizeDn(state(3).dn), normalizeDn('CN=Moved Again,OU=Sales,DC=corp,DC=test')]);
      // Only synced objects resolve references: the excluded object 3 is not returned.
      assert.deepEqual([...byDn.values()].map((s) => s.targetId).sort(), ['target-1', 'target-2']);
      assert.deepEqual(await store.state.countSynced(t, 'job'), { user: 1, group: 1 });
      assert.equal((await store.state.byObjectGuids(t, 'other-job', [guid(1)])).size, 0, 'state is per job');
      assert.deepEqual(await store.state.byObjectGuids(t, 'job', []), new Map());
    }));

    test('pending managers and unseen objects page by objectGUID', () => using(make, async (store, t) => {
      await store.transaction((tx) => tx.state.put(t, 'job', Array.from({ length: 7 }, (_, i) => state(i + 1, { pendingManager: i % 2 === 0 ? `cn=manager ${i}` : null }))));
      const pending: string[] = [];
      let after: string | undefined;
      for (;;) {
        const page = await store.state.withPendingManager(t, 'job', after, 2);
        if (page.length === 0) break;
        pending.push(...page.map((s) => s.objectGuid));
        after = page[page.length - 1]!.objectGuid;
      }
      assert.deepEqual(pending, [guid(1), guid(3), guid(5), guid(7)]);

      await store.transaction(async (tx) => {
        await tx.state.setResetToken(t, 'job', 'read-1');
        await tx.state.markSeen(t, 'job', [guid(1).toUpperCase(), guid(2), guid(6)], 'read-1');
      });
      assert.equal(await store.state.getResetToken(t, 'job'), 'read-1');
      const unseen: string[] = [];
      after = undefined;
      for (;;) {
        const page = await store.state.unseen(t, 'job', 'read-1', after, 3);
        if (page.length === 0) break;
        unseen.push(...page.map((s) => s.objectGuid));
        after = page[page.length - 1]!.objectGuid;
      }
      assert.deepEqual(unseen, [guid(3), guid(4), guid(5), guid(7)]);
      await store.transaction((tx) => tx.state.setResetToken(t, 'job', null));
      assert.equal(await store.state.getResetToken(t, 'job'), undefined);
      await store.transaction((tx) => tx.state.clear(t, 'job'));
      assert.deepEqual(await store.state.countSynced(t, 'job'), { user: 0, group: 0 });
    }));

    test('engine state, directory writes and the watermark commit together, or not at all', () => using(make, async (store, t) => {
      await assert.rejects(store.transaction(async (tx) => {
        await tx.directory.createUsers(t, [{ userPrincipalName: 'one@corp.test' }]);
        await tx.state.put(t, 'job', [state(2)]);
        await tx.directory.setWatermark(t, 'job', 'page-1');
        // Inside, the transaction sees its own state; outside, nothing yet.
        assert.equal((await tx.state.byObjectGuids(t, 'job', [guid(2)])).size, 1);
        assert.equal((await store.state.byObjectGuids(t, 'job', [guid(2)])).size, 0);
        throw new Error('crash before commit');
      }), /crash before commit/);
      assert.equal((await store.state.byObjectGuids(t, 'job', [guid(2)])).size, 0);
      assert.equal(await store.directory.getWatermark(t, 'job'), undefined);
      assert.equal(await store.directory.countUsers(t), 0);

      await store.transaction(async (tx) => {
        await tx.directory.createUsers(t, [{ userPrincipalName: 'one@corp.test' }]);
        await tx.state.put(t, 'job', [state(2)]);
        await tx.directory.setWatermark(t, 'job', 'page-1');
      });
      assert.equal((await store.state.byObjectGuids(t, 'job', [guid(2)])).size, 1);
      assert.equal(await store.directory.getWatermark(t, 'job'), 'page-1');
    }));

    test('staged deletes: staged with a reason and the first time, paged, counted, unstaged by a put of another state or on return; ForceDeletes flag', () => using(make, async (store, t) => {
      await store.transaction((tx) => tx.state.put(t, 'job', [state(1), state(2), state(3), state(4)]));
      await store.transaction((tx) => tx.state.stageDeletes(t, 'job', [{ objectGuid: guid(1).toUpperCase(), reason: 'deleted' }, { objectGuid: guid(2), reason: 'out-of-scope' }, { objectGuid: guid(3), reason: 'missing' }], '2026-01-01T00:00:00.000Z'));
      await store.transaction((tx) => tx.state.stageDeletes(t, 'job', [{ objectGuid: guid(1), reason: 'out-of-scope' }], '2026-01-02T00:00:00.000Z'));
      assert.equal(await store.state.countStagedDeletes(t, 'job'), 3);
      assert.equal(await store.state.countStagedDeletes(t, 'other-job'), 0);
      const first = await store.state.stagedDeletes(t, 'job', undefined, 2);
      assert.deepEqual(first.map((s) => [s.objectGuid, s.stagedReason, s.stagedAt, s.state]), [
        [guid(1), 'out-of-scope', '2026-01-01T00:00:00.000Z', 'synced'],
        [guid(2), 'out-of-scope', '2026-01-01T00:00:00.000Z', 'synced'],
      ]);
      assert.deepEqual((await store.state.stagedDeletes(t, 'job', guid(2), 2)).map((s) => s.objectGuid), [guid(3)]);
      // A put that keeps the object synced keeps the mark; one that deletes it clears it.
      await store.transaction((tx) => tx.state.put(t, 'job', [state(1, { dn: 'CN=Renamed,OU=Sales,DC=corp,DC=test' }), state(2, { state: 'deleted' })]));
      await store.transaction((tx) => tx.state.unstageDeletes(t, 'job', [guid(3).toUpperCase(), guid(4)]));
      assert.deepEqual((await store.state.stagedDeletes(t, 'job', undefined, 10)).map((s) => s.objectGuid), [guid(1)]);
      assert.equal(await store.state.getForceDeletes(t, 'job'), false);
      await store.transaction((tx) => tx.state.setForceDeletes(t, 'job', true));
      assert.equal(await store.state.getForceDeletes(t, 'job'), true);
      await store.transaction((tx) => tx.state.setResetToken(t, 'job', 'read-9'));
      assert.equal(await store.state.getForceDeletes(t, 'job'), true, 'the reset token does not touch the flag');
      await store.transaction((tx) => tx.state.setForceDeletes(t, 'job', false));
      assert.equal(await store.state.getForceDeletes(t, 'job'), false);
      assert.equal(await store.state.getResetToken(t, 'job'), 'read-9');
    }));

    test('mail outbox: queued in order, claimed one at a time until a time, released with the error counted, removed once sent', () => using(make, async (store, t) => {
      const mail = (n: number) => ({ tenantId: t, jobId: 'job', from: 'canopy@example.org', to: ['a@example.org', 'b@example.org'], subject: `subject ${n}`, text: `body ${n} — ünïcode` });
      const at = new Date('2026-12-03T10:00:00Z');
      const later = (ms: number) => new Date(at.getTime() + ms);
      assert.equal(await store.outbox.count(), 0);
      assert.equal(await store.outbox.claimNext(at, later(60_000)), undefined);
      await store.outbox.add(mail(1), at);
      await store.outbox.add(mail(2), later(1));
      assert.equal(await store.outbox.count(), 2);
      const first = await store.outbox.claimNext(at, later(60_000));
      assert.ok(first);
      assert.deepEqual({ ...first, id: undefined }, { ...mail(1), id: undefined, queuedAt: at.toISOString(), attempts: 0, lastError: null });
      const second = await store.outbox.claimNext(at, later(60_000));
      assert.equal(second?.subject, 'subject 2', 'a claimed message is skipped');
      assert.equal(await store.outbox.claimNext(later(1_000), later(61_000)), undefined, 'both claimed');
      const lapsed = await store.outbox.claimNext(later(60_001), later(120_000));
      assert.equal(lapsed?.id, first.id, 'a lapsed claim frees the message, oldest first');
      await store.outbox.release(first.id, 'connect ECONNREFUSED 127.0.0.1:25');
      const again = await store.outbox.claimNext(later(60_002), later(120_000));
      assert.equal(again?.id, first.id);
      assert.equal(again?.attempts, 1);
      assert.equal(again?.lastError, 'connect ECONNREFUSED 127.0.0.1:25');
      await store.outbox.remove(first.id);
      await store.outbox.remove(second!.id);
      assert.equal(await store.outbox.count(), 0);
    }));
  });
}
