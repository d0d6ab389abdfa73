/** Contract: users, groups, memberships, deleted items, tenant isolation. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCanopyError } from '../../src/core/errors.ts';
import { LAMBDA_ELEMENT, deletedItemsPurgeCutoff, iteratePages, type DirectoryStore, type Predicate } from '../../src/directory/store.ts';
import type { NewUser } from '../../src/directory/types.ts';
import { withTenants, type StoreFactory } from './store-contract-support.ts';

const synced = (n: number, extra: Partial<NewUser> = {}): NewUser => ({
  userPrincipalName: `user${String(n).padStart(3, '0')}@corp.test`,
  displayName: `User ${n}`,
  mail: `user${n}@corp.test`,
  proxyAddresses: [`SMTP:user${n}@corp.test`, `smtp:alias${n}@corp.test`],
  accountEnabled: n % 2 === 0,
  onPremisesImmutableId: Buffer.from(`anchor-${n}`).toString('base64'),
  onPremisesSyncEnabled: true,
  onPremisesDistinguishedName: `CN=User ${n},OU=People,DC=corp,DC=test`,
  ...extra,
});

async function seed(store: DirectoryStore, tenantId: string, count: number): Promise<void> {
  await store.transaction((tx) => tx.createUsers(tenantId, Array.from({ length: count }, (_, i) => synced(i))));
}

export function runDirectoryObjectContract(makeStore: StoreFactory): void {
  test('users: create with defaults, get, find by anchor / UPN / mail / proxy address / DN', () => withTenants(makeStore, async (store, a) => {
    const [created] = await store.transaction((tx) => tx.createUsers(a, [synced(1)]));
    assert.ok(created);
    assert.match(created.id, /^[0-9a-f-]{36}$/);
    const user = await store.getUser(a, created.id);
    assert.deepEqual(user, created);
    assert.equal(user?.jobTitle, null);
    assert.deepEqual(user?.businessPhones, []);
    assert.equal(user?.accountEnabled, false);
    assert.equal(user?.onPremisesSyncEnabled, true);
    for (const lookup of [
      { onPremisesImmutableId: created.onPremisesImmutableId! },
      { userPrincipalName: 'USER001@CORP.TEST' },
      { mail: 'User1@Corp.Test' },
      { proxyAddress: 'SMTP:ALIAS1@corp.test' },
      { onPremisesDistinguishedName: 'cn=user 1,ou=people,dc=corp,dc=test' },
    ]) {
      assert.equal((await store.findUser(a, lookup))?.id, created.id, JSON.stringify(lookup));
    }
    // Anchors are base64: exact, never case-folded.
    assert.equal(await store.findUser(a, { onPremisesImmutableId: created.onPremisesImmutableId!.toLowerCase() }), undefined);
  }));

  test('findUsers: batch soft-match lookups by mail, UPN and proxy address, case-insensitive, deleted included, per tenant', () => withTenants(makeStore, async (store, a, b) => {
    const users = await store.transaction((tx) => tx.createUsers(a, Array.from({ length: 5 }, (_, i) => synced(i))));
    await store.transaction((tx) => tx.createUsers(b, [synced(1)]));
    await store.transaction((tx) => tx.deleteUsers(a, [users[3]!.id]));
    const ids = (list: readonly { id: string }[]) => list.map((u) => u.id).sort();
    assert.deepEqual(ids(await store.findUsers(a, { by: 'mail', values: ['USER1@corp.test', 'user3@CORP.test', 'nobody@corp.test'] })), ids([users[1]!, users[3]!]));
    assert.deepEqual(ids(await store.findUsers(a, { by: 'userPrincipalName', values: ['user002@corp.test', 'User004@Corp.Test'] })), ids([users[2]!, users[4]!]));
    assert.deepEqual(ids(await store.findUsers(a, { by: 'proxyAddress', values: ['smtp:ALIAS0@corp.test', 'SMTP:user0@corp.test', 'smtp:user4@corp.test'] })), ids([users[0]!, users[4]!]));
    assert.deepEqual(await store.findUsers(a, { by: 'mail', values: [] }), []);
    // Each user found whole, as findUser returns it.
    const [one] = await store.findUsers(a, { by: 'mail', values: ['user1@corp.test'] });
    assert.deepEqual(one, await store.findUser(a, { mail: 'user1@corp.test' }));
    // Many values: chunked by the adapter, none lost.
    const many = Array.from({ length: 1500 }, (_, i) => `x${i}@corp.test`).concat(['user2@corp.test']);
    assert.deepEqual(ids(await store.findUsers(a, { by: 'mail', values: many })), [users[2]!.id]);
    // Tenant B's user with the same mail is not tenant A's.
    assert.equal((await store.findUsers(b, { by: 'mail', values: ['user1@corp.test', 'user2@corp.test'] })).length, 1);
    // Inside a transaction, its own writes are seen.
    await store.transaction(async (tx) => {
      await tx.updateUsers(a, [{ id: users[0]!.id, mail: 'renamed@corp.test', proxyAddresses: ['SMTP:renamed@corp.test'] }]);
      assert.deepEqual(ids(await tx.findUsers(a, { by: 'mail', values: ['renamed@corp.test', 'user0@corp.test'] })), [users[0]!.id]);
      assert.deepEqual(await tx.findUsers(a, { by: 'proxyAddress', values: ['smtp:user0@corp.test'] }), []);
    });
  }));

  test('tenant A never sees tenant B: get, find, list, count, members, memberOf', () => withTenants(makeStore, async (store, a, b) => {
    const [userA] = await store.transaction((tx) => tx.createUsers(a, [synced(1)]));
    // The same UPN and anchor may exist in another tenant.
    const [userB] = await store.transaction((tx) => tx.createUsers(b, [synced(1)]));
    const [groupA] = await store.transaction(async (tx) => {
      const groups = await tx.createGroups(a, [{ displayName: 'Staff' }]);
      await tx.addMembers(a, [{ groupId: groups[0]!.id, memberId: userA!.id, memberType: 'user' }]);
      return groups;
    });
    assert.equal(await store.getUser(b, userA!.id), undefined);
    assert.equal((await store.findUser(b, { onPremisesImmutableId: userA!.onPremisesImmutableId! }))?.id, userB!.id);
    assert.equal(await store.findUser(b, { proxyAddress: 'smtp:alias1@corp.test' }).then((u) => u?.id), userB!.id);
    assert.deepEqual((await store.listUsers(b, { limit: 10 })).items.map((u) => u.id), [userB!.id]);
    assert.equal(await store.countUsers(b), 1);
    assert.equal(await store.getGroup(b, groupA!.id), undefined);
    assert.equal((await store.listGroups(b, { limit: 10 })).items.length, 0);
    assert.equal((await store.listGroupMembers(b, groupA!.id, { limit: 10 })).items.length, 0);
    assert.equal(await store.countGroupMembers(b, groupA!.id), 0);
    assert.equal((await store.listMemberOf(b, userA!.id, { limit: 10 })).items.length, 0);
    assert.equal((await store.listMemberOf(a, userA!.id, { limit: 10 })).items.length, 1);
    // Writes naming another tenant's object change nothing.
    assert.deepEqual(await store.transaction((tx) => tx.updateUsers(b, [{ id: userA!.id, displayName: 'hijack' }])), []);
    assert.equal(await store.transaction((tx) => tx.deleteUsers(b, [userA!.id])), 0);
    assert.equal((await store.getUser(a, userA!.id))?.displayName, 'User 1');
  }));

  test('the source anchor is unique per tenant, deleted users included; UPN unique among live users', () => withTenants(makeStore, async (store, a) => {
    const [first] = await store.transaction((tx) => tx.createUsers(a, [synced(1)]));
    const duplicate = synced(2, { onPremisesImmutableId: first!.onPremisesImmutableId });
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.createUsers(a, [synced(3)]);
        await tx.createUsers(a, [duplicate]);
      }),
      (error) => isCanopyError(error, 'ERR_DIRECTORY_CONFLICT'),
    );
    assert.equal(await store.countUsers(a), 1, 'the whole batch rolled back');
    await store.transaction((tx) => tx.deleteUsers(a, [first!.id]));
    await assert.rejects(store.transaction((tx) => tx.createUsers(a, [duplicate])), (error) => isCanopyError(error, 'ERR_DIRECTORY_CONFLICT'));
    await assert.rejects(
      store.transaction((tx) => tx.createUsers(a, [synced(4), synced(5, { userPrincipalName: 'USER004@corp.test' })])),
      (error) => isCanopyError(error, 'ERR_DIRECTORY_CONFLICT'),
    );
    // The deleted user's UPN is free again.
    await store.transaction((tx) => tx.createUsers(a, [synced(6, { userPrincipalName: first!.userPrincipalName })]));
  }));

  test('updates change only the named properties, proxy address lookups follow', () => withTenants(makeStore, async (store, a) => {
    const [user] = await store.transaction((tx) => tx.createUsers(a, [synced(1)]));
    const [updated] = await store.transaction((tx) => tx.updateUsers(a, [{ id: user!.id, jobTitle: 'Engineer', proxyAddresses: ['SMTP:new@corp.test'], accountEnabled: true }]));
    assert.equal(updated?.jobTitle, 'Engineer');
    assert.equal(updated?.displayName, 'User 1');
    assert.equal(updated?.accountEnabled, true);
    assert.deepEqual(updated?.proxyAddresses, ['SMTP:new@corp.test']);
    assert.equal(await store.findUser(a, { proxyAddress: 'smtp:alias1@corp.test' }), undefined);
    assert.equal((await store.findUser(a, { proxyAddress: 'smtp:new@corp.test' }))?.id, user!.id);
    // Directory extension values are kept as the JSON text sync writes, exactly.
    assert.equal(user?.directoryExtensions, null);
    const extensions = '{"extension_0123456789abcdef0123456789abcdef_costCenter":"CC-Ä1"}';
    const [extended] = await store.transaction((tx) => tx.updateUsers(a, [{ id: user!.id, directoryExtensions: extensions }]));
    assert.equal(extended?.directoryExtensions, extensions);
    assert.equal((await store.getUser(a, user!.id))?.directoryExtensions, extensions);
    await assert.rejects(store.transaction((tx) => tx.updateUsers(a, [{ id: user!.id, nope: 1 } as never])), TypeError);
    await assert.rejects(store.transaction((tx) => tx.updateUsers(a, [{ id: user!.id, userPrincipalName: null as never }])), TypeError);
  }));

  test('lists are keyset-paged in id order and filtered by predicates; counts agree', () => withTenants(makeStore, async (store, a) => {
    await seed(store, a, 25);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.listUsers(a, { limit: 10, cursor });
      seen.push(...page.items.map((u) => u.id));
      cursor = page.cursor;
      pages += 1;
    } while (cursor !== undefined);
    assert.equal(pages, 3);
    assert.equal(new Set(seen).size, 25);
    assert.deepEqual(seen, [...seen].sort());
    const streamed: string[] = [];
    for await (const user of iteratePages((c) => store.listUsers(a, { limit: 7, cursor: c }))) streamed.push(user.id);
    assert.deepEqual(streamed, seen);

    const names = async (filter: Parameters<DirectoryStore['countUsers']>[1]) =>
      (await store.listUsers(a, { limit: 100, ...filter })).items.map((u) => u.displayName).sort();
    assert.deepEqual(await names({ filter: { op: 'eq', property: 'userPrincipalName', value: 'USER007@corp.test' } }), ['User 7']);
    assert.deepEqual(await names({ filter: { op: 'startswith', property: 'displayName', value: 'user 1' } }), ['User 1', 'User 10', 'User 11', 'User 12', 'User 13', 'User 14', 'User 15', 'User 16', 'User 17', 'User 18', 'User 19']);
    assert.deepEqual(await names({ filter: { op: 'and', operands: [{ op: 'startswith', property: 'displayName', value: 'User 2' }, { op: 'eq', property: 'accountEnabled', value: true }] } }), ['User 2', 'User 20', 'User 22', 'User 24']);
    // Ids are random: take one that is not User 3's, or the `or` would name one user twice.
    const user3 = (await store.findUser(a, { mail: 'user3@corp.test' }))!.id;
    const other = seen.find((id) => id !== user3)!;
    assert.deepEqual(await names({ filter: { op: 'or', operands: [{ op: 'eq', property: 'mail', value: 'user3@corp.test' }, { op: 'in', property: 'id', values: [other] }] } }).then((n) => n.length), 2);
    assert.equal(await store.countUsers(a, { filter: { op: 'eq', property: 'accountEnabled', value: false } }), 12);
    // LIKE wildcards in values are literal.
    assert.equal(await store.countUsers(a, { filter: { op: 'startswith', property: 'displayName', value: 'User_%' } }), 0);
    await store.transaction((tx) => tx.createUsers(a, [{ userPrincipalName: 'cloud@corp.test', displayName: 'Cloud' }]));
    // `ne` matches nulls, as Graph's `onPremisesSyncEnabled ne true` finds cloud-only users.
    assert.deepEqual(await names({ filter: { op: 'ne', property: 'onPremisesSyncEnabled', value: true } }), ['Cloud']);
    assert.equal(await store.countUsers(a, { filter: { op: 'eq', property: 'onPremisesImmutableId', value: null } }), 1);
    // A query the store cannot run is a TypeError (the API's 400), also when it ran on a read worker.
    await assert.rejects(store.listUsers(a, { limit: 1, filter: { op: 'eq', property: 'proxyAddresses', value: 'x' } }), (error) =>
      error instanceof TypeError && /proxyAddresses cannot be filtered/.test(error.message));
    await assert.rejects(store.countUsers(a, { filter: { op: 'eq', property: 'nope', value: 'x' } }), TypeError);
  }));

  test('predicates: not, gt/ge/lt/le on strings and instants, any/all over a collection, constants', () => withTenants(makeStore, async (store, a) => {
    await seed(store, a, 12);
    await store.transaction((tx) => tx.createUsers(a, [
      { userPrincipalName: 'cloud@corp.test', displayName: null, proxyAddresses: [], onPremisesLastSyncDateTime: null },
      { userPrincipalName: 'x500@corp.test', displayName: 'X500', proxyAddresses: ['X500:/o=corp/cn=x'], onPremisesLastSyncDateTime: '2026-01-02T00:00:00Z' },
    ]));
    const last = await store.listUsers(a, { limit: 100 });
    const byUpn = new Map(last.items.map((u) => [u.userPrincipalName, u.id]));
    await store.transaction((tx) => tx.updateUsers(a, [
      { id: byUpn.get('user001@corp.test')!, onPremisesLastSyncDateTime: '2026-01-01T00:00:00Z' },
      { id: byUpn.get('user002@corp.test')!, onPremisesLastSyncDateTime: '2026-01-01T12:00:00.000Z' },
    ]));
    const upns = async (filter: Parameters<DirectoryStore['countUsers']>[1]) =>
      (await store.listUsers(a, { limit: 100, ...filter })).items.map((u) => u.userPrincipalName).sort();
    const count = (filter: NonNullable<Parameters<DirectoryStore['countUsers']>[1]>['filter']) => store.countUsers(a, { filter });
    // not: nulls count as "not equal", as Graph's not does.
    assert.equal(await count({ op: 'not', operand: { op: 'startswith', property: 'displayName', value: 'user' } }), 2);
    assert.equal(await count({ op: 'not', operand: { op: 'eq', property: 'displayName', value: 'X500' } }), 13);
    // Strings compare without case; ranges on displayName.
    assert.deepEqual(await upns({ filter: { op: 'and', operands: [{ op: 'ge', property: 'displayName', value: 'user 10' }, { op: 'lt', property: 'displayName', value: 'USER 2' }] } }), ['user010@corp.test', 'user011@corp.test']);
    assert.equal(await count({ op: 'gt', property: 'displayName', value: 'user 9' }), 1);
    // Datetimes compare as instants, whatever their text form.
    assert.deepEqual(await upns({ filter: { op: 'le', property: 'onPremisesLastSyncDateTime', value: '2026-01-01T00:00:00.000Z' } }), ['user001@corp.test']);
    assert.deepEqual(await upns({ filter: { op: 'eq', property: 'onPremisesLastSyncDateTime', value: '2026-01-01T00:00:00.000Z' } }), ['user001@corp.test']);
    assert.deepEqual(await upns({ filter: { op: 'gt', property: 'onPremisesLastSyncDateTime', value: '2026-01-01T00:00:00Z' } }), ['user002@corp.test', 'x500@corp.test']);
    assert.equal(await count({ op: 'ge', property: 'createdDateTime', value: '2000-01-01T00:00:00Z' }), 14);
    // any / all over proxyAddresses, elements compared without case.
    assert.equal(await count({ op: 'any', property: 'proxyAddresses', where: { op: 'startswith', property: LAMBDA_ELEMENT, value: 'SMTP:ALIAS' } }), 12);
    assert.deepEqual(await upns({ filter: { op: 'any', property: 'proxyAddresses', where: { op: 'eq', property: LAMBDA_ELEMENT, value: 'smtp:USER3@corp.test' } } }), ['user003@corp.test']);
    assert.deepEqual(await upns({ filter: { op: 'any', property: 'proxyAddresses', where: { op: 'in', property: LAMBDA_ELEMENT, values: ['smtp:alias4@corp.test', 'x500:/o=corp/cn=x'] } } }), ['user004@corp.test', 'x500@corp.test']);
    // all: true for an empty collection; not(any(smtp)) finds the ones without any SMTP address.
    assert.deepEqual(await upns({ filter: { op: 'all', property: 'proxyAddresses', where: { op: 'startswith', property: LAMBDA_ELEMENT, value: 'x500:' } } }), ['cloud@corp.test', 'x500@corp.test']);
    assert.deepEqual(await upns({ filter: { op: 'not', operand: { op: 'any', property: 'proxyAddresses', where: { op: 'startswith', property: LAMBDA_ELEMENT, value: 'smtp:' } } } }), ['cloud@corp.test', 'x500@corp.test']);
    assert.equal(await count({ op: 'and', operands: [] }), 14);
    assert.equal(await count({ op: 'or', operands: [] }), 0);
  }));

  test('lists ordered by a string property page by keyset on (value, id), both ways, null first as empty', () => withTenants(makeStore, async (store, a) => {
    const names = ['delta', 'Alpha', 'charlie', 'Bravo', 'alpha', 'echo', null, 'Delta'];
    await store.transaction((tx) => tx.createUsers(a, names.map((displayName, n) => ({ userPrincipalName: `o${n}@corp.test`, displayName }))));
    const walk = async (descending: boolean, filter?: Parameters<DirectoryStore['countUsers']>[1]) => {
      const seen: (string | null)[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.listUsers(a, { limit: 3, cursor, orderBy: { property: 'displayName', descending }, ...filter });
        seen.push(...page.items.map((u) => u.displayName));
        cursor = page.cursor;
      } while (cursor !== undefined);
      return seen;
    };
    const ascending = await walk(false);
    assert.equal(ascending.length, 8);
    assert.deepEqual(ascending.map((n) => n?.toLowerCase() ?? null), [null, 'alpha', 'alpha', 'bravo', 'charlie', 'delta', 'delta', 'echo']);
    const lower = (list: (string | null)[]) => list.map((n) => n?.toLowerCase() ?? null);
    assert.deepEqual(lower(await walk(true)), lower(ascending).reverse());
    assert.deepEqual((await walk(false, { filter: { op: 'startswith', property: 'displayName', value: 'd' } })).map((n) => n!.toLowerCase()), ['delta', 'delta']);
  }));

  test('transitive members and memberOf through nested groups, a cycle included; by type; deleted ones hidden', () => withTenants(makeStore, async (store, a, b) => {
    await seed(store, a, 6);
    const users = (await store.listUsers(a, { limit: 100 })).items;
    const [top, middle, bottom, other] = await store.transaction(async (tx) => {
      const groups = await tx.createGroups(a, [{ displayName: 'Top' }, { displayName: 'Middle' }, { displayName: 'Bottom' }, { displayName: 'Other' }]);
      const [t, m, b, o] = groups.map((g) => g.id);
      await tx.addMembers(a, [
        { groupId: t!, memberId: users[0]!.id, memberType: 'user' },
        { groupId: t!, memberId: m!, memberType: 'group' },
        { groupId: m!, memberId: users[1]!.id, memberType: 'user' },
        { groupId: m!, memberId: users[0]!.id, memberType: 'user' },
        { groupId: m!, memberId: b!, memberType: 'group' },
        { groupId: b!, memberId: users[2]!.id, memberType: 'user' },
        { groupId: b!, memberId: users[3]!.id, memberType: 'user' },
        // A cycle: Bottom contains Top.
        { groupId: b!, memberId: t!, memberType: 'group' },
        { groupId: o!, memberId: users[4]!.id, memberType: 'user' },
      ]);
      return groups.map((g) => g.id);
    });
    const walk = async (groupId: string, query: { transitive?: boolean; memberType?: 'user' | 'group'; filter?: Predicate }) => {
      const ids: string[] = [];
      for await (const member of iteratePages((cursor) => store.listGroupMembers(a, groupId, { limit: 2, cursor, ...query }))) ids.push(member.object.id);
      return ids;
    };
    const expected = [users[0]!.id, users[1]!.id, users[2]!.id, users[3]!.id, middle!, bottom!].sort();
    assert.deepEqual(await walk(top!, { transitive: true }), expected, 'each member once, in id order, the group itself left out');
    assert.equal(await store.countGroupMembers(a, top!, { transitive: true }), 6);
    assert.deepEqual(await walk(top!, { transitive: true, memberType: 'user' }), users.slice(0, 4).map((u) => u.id).sort());
    assert.equal(await store.countGroupMembers(a, top!, { transitive: true, memberType: 'group' }), 2);
    assert.deepEqual(await walk(top!, { memberType: 'group' }), [middle]);
    assert.equal(await store.countGroupMembers(a, top!), 2);
    assert.deepEqual(await walk(other!, { transitive: true }), [users[4]!.id]);
    // One member asked by id: direct or transitive, and not a member of another group.
    assert.equal(await store.countGroupMembers(a, top!, { memberId: users[0]!.id }), 1);
    assert.equal(await store.countGroupMembers(a, top!, { memberId: users[2]!.id }), 0, 'not a direct member of Top');
    assert.equal(await store.countGroupMembers(a, top!, { memberId: users[2]!.id, transitive: true }), 1);
    assert.equal(await store.countGroupMembers(a, top!, { memberId: users[4]!.id, transitive: true }), 0);
    assert.deepEqual((await store.listGroupMembers(a, middle!, { limit: 5, memberId: bottom! })).items.map((m) => m.object.id), [bottom]);
    const memberOf = async (id: string, transitive: boolean) => (await store.listMemberOf(a, id, { limit: 10, transitive })).items.map((g) => g.displayName).sort();
    assert.deepEqual(await memberOf(users[2]!.id, true), ['Bottom', 'Middle', 'Top']);
    assert.deepEqual(await memberOf(users[2]!.id, false), ['Bottom']);
    assert.deepEqual(await memberOf(middle!, true), ['Bottom', 'Top'], 'the cycle brings its own start back, which is left out');
    // Many at once ($expand of a page): each object's first groups or members, capped per object.
    const parentsOf = await store.listMemberOfMany(a, [users[0]!.id, users[4]!.id, users[5]!.id], 20);
    assert.deepEqual(parentsOf.get(users[0]!.id)!.map((g) => g.id), [top!, middle!].sort());
    assert.deepEqual(parentsOf.get(users[4]!.id)!.map((g) => g.displayName), ['Other']);
    assert.equal(parentsOf.has(users[5]!.id), false, 'in no group: absent');
    assert.equal((await store.listMemberOfMany(a, [users[0]!.id], 1)).get(users[0]!.id)!.length, 1, 'capped per object');
    const membersOf = await store.listGroupMembersMany(a, [top!, middle!, other!], 2);
    assert.deepEqual(membersOf.get(middle!)!.map((m) => m.object.id), [users[0]!.id, users[1]!.id, bottom!].sort().slice(0, 2));
    assert.deepEqual(membersOf.get(top!)!.map((m) => [m.memberType, m.object.id]), ([['user', users[0]!.id], ['group', middle!]] as const).slice().sort((x, y) => x[1].localeCompare(y[1])));
    assert.deepEqual(membersOf.get(other!)!.map((m) => m.object.displayName), [users[4]!.displayName]);
    assert.equal((await store.listGroupMembersMany(b, [top!], 2)).size, 0, 'another tenant sees none');
    // Counts and filters on memberOf (the group's properties) and on members (each member's own).
    assert.equal(await store.countMemberOf(a, users[2]!.id, { transitive: true }), 3);
    assert.equal(await store.countMemberOf(a, users[2]!.id), 1);
    const startsWithT = { op: 'startswith', property: 'displayName', value: 't' } as const;
    assert.equal(await store.countMemberOf(a, users[2]!.id, { transitive: true, filter: startsWithT }), 1);
    assert.deepEqual((await store.listMemberOf(a, users[2]!.id, { limit: 10, transitive: true, filter: { op: 'not', operand: startsWithT } })).items.map((g) => g.displayName).sort(), ['Bottom', 'Middle']);
    assert.equal(await store.countMemberOf(a, users[2]!.id, { transitive: true, filter: { op: 'eq', property: 'userPrincipalName', value: 'x' } }), 0, 'a group property it lacks matches none');
    const named = { op: 'in', property: 'displayName', values: [users[1]!.displayName, 'Bottom'] } as const;
    assert.deepEqual(await walk(middle!, { filter: named }), [users[1]!.id, bottom!].sort(), 'users and groups each by their own displayName');
    assert.equal(await store.countGroupMembers(a, middle!, { filter: named, memberType: 'group' }), 1);
    assert.equal(await store.countGroupMembers(a, top!, { transitive: true, filter: { op: 'startswith', property: 'userPrincipalName', value: users[3]!.userPrincipalName! } }), 1, 'a user property: groups do not match');
    // A deleted nested group is not walked through; its members drop out of Top's closure.
    await store.transaction((tx) => tx.deleteGroups(a, [bottom!]));
    assert.deepEqual(await walk(top!, { transitive: true }), [users[0]!.id, users[1]!.id, middle!].sort());
    assert.deepEqual(await memberOf(users[2]!.id, true), []);
  }));

  test('soft delete, restore, and purge after the retention period', () => withTenants(makeStore, async (store, a) => {
    const users = await store.transaction((tx) => tx.createUsers(a, [synced(1), synced(2)]));
    const [group] = await store.transaction(async (tx) => {
      const groups = await tx.createGroups(a, [{ displayName: 'G', sourceAnchor: 'g-anchor' }]);
      await tx.addMembers(a, users.map((u) => ({ groupId: groups[0]!.id, memberId: u.id, memberType: 'user' as const })));
      return groups;
    });
    const old = '2020-01-01T00:00:00.000Z';
    assert.equal(await store.transaction((tx) => tx.deleteUsers(a, [users[0]!.id], old)), 1);
    assert.equal(await store.transaction((tx) => tx.deleteUsers(a, [users[0]!.id])), 0, 'already deleted');
    assert.equal(await store.getUser(a, users[0]!.id), undefined);
    assert.equal((await store.getUser(a, users[0]!.id, { includeDeleted: true }))?.deletedDateTime, old);
    assert.equal((await store.findUser(a, { onPremisesImmutableId: users[0]!.onPremisesImmutableId! }))?.deletedDateTime, old);
    assert.deepEqual((await store.listUsers(a, { limit: 10, deleted: true })).items.map((u) => u.id), [users[0]!.id]);
    assert.equal(await store.countUsers(a), 1);
    assert.equal(await store.countGroupMembers(a, group!.id), 1, 'a deleted member is hidden');

    assert.equal(await store.transaction((tx) => tx.restoreUsers(a, [users[0]!.id])), 1);
    assert.equal(await store.countGroupMembers(a, group!.id), 2, 'memberships come back with the user');

    await store.transaction(async (tx) => {
      await tx.deleteUsers(a, [users[0]!.id], old);
      await tx.deleteUsers(a, [users[1]!.id]);
      await tx.deleteGroups(a, [group!.id], old);
    });
    assert.equal(await store.countGroups(a), 0);
    assert.equal(await store.countGroups(a, { deleted: true }), 1);
    const purged = await store.transaction((tx) => tx.purgeDeleted(a, deletedItemsPurgeCutoff()));
    assert.deepEqual(purged, { users: 1, groups: 1 });
    assert.equal(await store.getUser(a, users[0]!.id, { includeDeleted: true }), undefined);
    assert.ok(await store.getUser(a, users[1]!.id, { includeDeleted: true }), 'deleted recently: kept');
    assert.equal(deletedItemsPurgeCutoff(new Date('2026-03-31T00:00:00.000Z')), '2026-03-01T00:00:00.000Z');
    assert.equal(await store.findGroup(a, { sourceAnchor: 'g-anchor' }), undefined);
  }));

  test('memberships by reference: users and nested groups, paging, idempotent adds, removal', () => withTenants(makeStore, async (store, a) => {
    await seed(store, a, 12);
    const users = (await store.listUsers(a, { limit: 100 })).items;
    const [parent, child] = await store.transaction((tx) => tx.createGroups(a, [
      { displayName: 'Parent', onPremisesDistinguishedName: 'CN=Parent,DC=corp,DC=test', sourceAnchor: 'p' },
      { displayName: 'Child', securityEnabled: false, mailEnabled: true, mail: 'child@corp.test', groupTypes: [] },
    ]));
    assert.equal(child?.securityEnabled, false);
    assert.equal(parent?.securityEnabled, true, 'security group by default');
    const memberships = [
      ...users.map((u) => ({ groupId: parent!.id, memberId: u.id, memberType: 'user' as const })),
      { groupId: parent!.id, memberId: child!.id, memberType: 'group' as const },
    ];
    await store.transaction(async (tx) => {
      await tx.addMembers(a, memberships);
      await tx.addMembers(a, memberships.slice(0, 3));
    });
    assert.equal(await store.countGroupMembers(a, parent!.id), 13);
    const listed: string[] = [];
    const types = new Set<string>();
    for await (const member of iteratePages((cursor) => store.listGroupMembers(a, parent!.id, { limit: 5, cursor }))) {
      listed.push(member.object.id);
      types.add(member.memberType);
    }
    assert.equal(new Set(listed).size, 13);
    assert.deepEqual([...types].sort(), ['group', 'user']);
    assert.deepEqual((await store.listMemberOf(a, child!.id, { limit: 10 })).items.map((g) => g.displayName), ['Parent']);
    assert.equal((await store.findGroup(a, { onPremisesDistinguishedName: 'cn=parent,dc=corp,dc=test' }))?.id, parent!.id);
    await store.transaction((tx) => tx.removeMembers(a, [{ groupId: parent!.id, memberId: users[0]!.id }]));
    assert.equal(await store.countGroupMembers(a, parent!.id), 12);
    assert.equal((await store.listMemberOf(a, users[0]!.id, { limit: 10 })).items.length, 0);
    await store.transaction((tx) => tx.clearMembers(a, parent!.id));
    assert.equal(await store.countGroupMembers(a, parent!.id), 0);
    await assert.rejects(
      store.transaction((tx) => tx.addMembers(a, [{ groupId: 'no-such-group', memberId: users[0]!.id, memberType: 'user' }])),
      (error) => isCanopyError(error, 'ERR_DIRECTORY_NOT_FOUND'),
    );
  }));

  test('pending references become memberships when the member is synced', () => withTenants(makeStore, async (store, a) => {
    const [g1, g2] = await store.transaction((tx) => tx.createGroups(a, [{ displayName: 'G1' }, { displayName: 'G2' }]));
    const dn = 'CN=Late,OU=People,DC=corp,DC=test';
    await store.transaction((tx) => tx.addPendingReferences(a, [{ groupId: g1!.id, reference: dn }, { groupId: g2!.id, reference: dn }, { groupId: g2!.id, reference: 'CN=Other' }]));
    const all = [];
    for await (const r of iteratePages((cursor) => store.listPendingReferences(a, { limit: 2, cursor }))) all.push(r);
    assert.equal(all.length, 3);
    assert.equal((await store.listPendingReferences(a, { limit: 10, groupId: g1!.id })).items.length, 1);
    const added = await store.transaction(async (tx) => {
      const [user] = await tx.createUsers(a, [synced(1, { onPremisesDistinguishedName: dn })]);
      return tx.resolvePendingReferences(a, [{ reference: dn, memberId: user!.id, memberType: 'user' }]);
    });
    assert.equal(added, 2);
    assert.equal(await store.countGroupMembers(a, g1!.id), 1);
    assert.equal(await store.countGroupMembers(a, g2!.id), 1);
    assert.deepEqual((await store.listPendingReferences(a, { limit: 10 })).items.map((r) => r.reference), ['CN=Other']);
    await store.transaction((tx) => tx.removePendingReferences(a, [{ groupId: g2!.id, reference: 'cn=other' }]));
    assert.equal((await store.listPendingReferences(a, { limit: 10 })).items.length, 0);
  }));

  test('password hashes: set and replaced per user, per tenant, found by anchor in batch, gone with the purged user', () => withTenants(makeStore, async (store, a, b) => {
    const users = await store.transaction((tx) => tx.createUsers(a, [synced(1), synced(2)]));
    const [u1, u2] = [users[0]!, users[1]!];
    const found = await store.findUsers(a, { by: 'onPremisesImmutableId', values: [u2.onPremisesImmutableId!, u1.onPremisesImmutableId!, 'bm8tc3VjaA=='] });
    assert.deepEqual(found.map((u) => u.id).sort(), [u1.id, u2.id].sort());
    assert.equal((await store.findUsers(a, { by: 'onPremisesImmutableId', values: [u1.onPremisesImmutableId!.toLowerCase()] })).length, 0, 'anchors compare exactly');
    assert.equal((await store.findUsers(b, { by: 'onPremisesImmutableId', values: [u1.onPremisesImmutableId!] })).length, 0);

    assert.equal(await store.getUserPasswordHash(a, u1.id), undefined);
    await store.transaction((tx) => tx.putUserPasswordHashes(a, [{ userId: u1.id, credentialData: 'v1;one;' }, { userId: u2.id, credentialData: 'v1;two;' }]));
    await store.transaction((tx) => tx.putUserPasswordHashes(a, [{ userId: u1.id, credentialData: 'v1;one-again;' }]));
    assert.equal((await store.getUserPasswordHash(a, u1.id))?.credentialData, 'v1;one-again;');
    assert.equal((await store.getUserPasswordHash(a, u2.id))?.credentialData, 'v1;two;');
    assert.match((await store.getUserPasswordHash(a, u1.id))!.syncedDateTime, /^\d{4}-\d\d-\d\dT/);
    assert.equal(await store.getUserPasswordHash(b, u1.id), undefined, 'another tenant sees none');
    // Nothing of it shows on the user record the API serialises.
    assert.ok(!JSON.stringify(await store.getUser(a, u1.id)).includes('v1;'));
    await assert.rejects(store.transaction((tx) => tx.putUserPasswordHashes(a, [{ userId: 'no-such-user', credentialData: 'v1;x;' }])), (error) => isCanopyError(error, 'ERR_DIRECTORY_NOT_FOUND'));

    await store.transaction((tx) => tx.deleteUsers(a, [u1.id], '2020-01-01T00:00:00.000Z'));
    assert.ok(await store.getUserPasswordHash(a, u1.id), 'a soft-deleted user keeps the hash (restore brings it back)');
    await store.transaction((tx) => tx.purgeDeleted(a, deletedItemsPurgeCutoff()));
    assert.equal(await store.getUserPasswordHash(a, u1.id), undefined, 'purged with the user');
    assert.equal((await store.getUserPasswordHash(a, u2.id))?.credentialData, 'v1;two;');
  }));

  test('password hash pending anchors: idempotent adds, keyset pages per job and tenant, removal, gone with the job', () => withTenants(makeStore, async (store, a, b) => {
    const anchors = ['QUFB', 'QkJC', 'Q0ND', 'RERE', 'RUVF'];
    await store.transaction((tx) => tx.addPasswordHashPending(a, 'phs', anchors));
    await store.transaction((tx) => tx.addPasswordHashPending(a, 'phs', ['QUFB']));
    await store.transaction((tx) => tx.addPasswordHashPending(a, 'other', ['WldY']));
    const first = await store.listPasswordHashPending(a, 'phs', { limit: 3 });
    assert.equal(first.items.length, 3);
    assert.ok(first.cursor);
    const second = await store.listPasswordHashPending(a, 'phs', { limit: 3, cursor: first.cursor! });
    assert.deepEqual([...first.items, ...second.items], [...anchors].sort());
    assert.equal(second.cursor, undefined);
    assert.equal((await store.listPasswordHashPending(b, 'phs', { limit: 10 })).items.length, 0);
    await store.transaction((tx) => tx.removePasswordHashPending(a, 'phs', ['QUFB', 'Q0ND']));
    assert.deepEqual((await store.listPasswordHashPending(a, 'phs', { limit: 10 })).items, ['QkJC', 'RERE', 'RUVF']);
    await store.transaction(async (tx) => {
      await tx.putSynchronizationJob({ tenantId: a, id: 'phs', servicePrincipalId: 'sp', templateId: 'AD2AADPasswordHash', schedule: { interval: 'PT2M', state: 'Active', expiration: null }, status: {}, synchronizationJobSettings: [], schema: null, createdDateTime: new Date().toISOString() });
      await tx.deleteSynchronizationJob(a, 'phs');
    });
    assert.deepEqual((await store.listPasswordHashPending(a, 'phs', { limit: 10 })).items, []);
    assert.deepEqual((await store.listPasswordHashPending(a, 'other', { limit: 10 })).items, ['WldY']);
  }));
}
