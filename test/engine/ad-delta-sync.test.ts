/**
 * Incremental cycles against the real DC: changes made in AD under a per-run OU travel
 * through the AD reader's DirSync deltas and the agent's SCIM service into the store, and
 * the cloud follows: add, modify, rename, move, disable, member add/remove, move out of
 * scope, delete, and a return into scope (restore from deleted items, same object).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Attribute, Change, Client } from 'ldapts';
import { AdReader } from '../../src/ad/reader.ts';
import type { AdObjectClass } from '../../src/core/ad-object.ts';
import { createScimHandler } from '../../src/agent/scim-service.ts';
import { iteratePages } from '../../src/directory/store.ts';
import type { DirectoryUser } from '../../src/directory/types.ts';
import { runCycle } from '../../src/engine/cycle.ts';
import type { ChangeSource, CycleJob } from '../../src/engine/ports.ts';
import { createScimChangeSource } from '../../src/engine/scim-change-source.ts';
import { adEnv, readCa, skipReason } from '../support/ad-env.ts';
import { openHarness, type Harness } from './support.ts';

describe('engine deltas against the DC (per-run OU)', { skip: skipReason() }, () => {
  const suffix = randomBytes(4).toString('hex');
  let admin: Client;
  let reader: AdReader;
  let h: Harness;
  let job: CycleJob;
  let source: ChangeSource;
  let root: string;
  let inside: string;
  let outside: string;

  const userDn = (cn: string, ou = inside) => `CN=${cn},${ou}`;
  async function addUser(cn: string, attributes: Record<string, string | string[]> = {}): Promise<void> {
    await admin.add(userDn(cn), {
      objectClass: ['top', 'person', 'organizationalPerson', 'user'],
      sAMAccountName: `${cn.toLowerCase()}-${suffix}`,
      userPrincipalName: `${cn.toLowerCase()}.${suffix}@${adEnv().domain}`,
      mail: `${cn.toLowerCase()}.${suffix}@${adEnv().domain}`,
      displayName: cn,
      // NORMAL_ACCOUNT | PASSWD_NOTREQD (MS-ADTS 2.2.16): enabled without a password.
      userAccountControl: '544',
      ...attributes,
    });
  }
  const modify = (dn: string, name: string, values: string[], operation: 'replace' | 'add' | 'delete' = 'replace') =>
    admin.modify(dn, new Change({ operation, modification: new Attribute({ type: name, values }) }));
  async function cloudUsers(deleted = false): Promise<Map<string, DirectoryUser>> {
    const found = new Map<string, DirectoryUser>();
    for await (const u of iteratePages((cursor) => h.store.directory.listUsers(h.tenantId, { limit: 1000, deleted, ...(cursor ? { cursor } : {}) }))) {
      found.set(u.onPremisesSamAccountName!.replace(`-${suffix}`, ''), u);
    }
    return found;
  }
  const cycle = () => runCycle({ job, source, store: h.store });

  before(async () => {
    const env = adEnv();
    admin = new Client({ url: env.url, tlsOptions: { ca: readCa(env) } });
    await admin.bind(env.adminDn, env.adminPassword);
    root = `OU=t-engine-${suffix},${env.baseDn}`;
    inside = `OU=In,${root}`;
    outside = `OU=Out,${root}`;
    for (const ou of [root, inside, `OU=Sub,${inside}`, outside]) await admin.add(ou, { objectClass: ['top', 'organizationalUnit'] });
    await addUser('Ann');
    await addUser('Bob');
    await addUser('Cid', { manager: userDn('Ann') });
    await admin.add(userDn(`Team ${suffix}`), { objectClass: ['top', 'group'], sAMAccountName: `team-${suffix}`, groupType: '-2147483646', member: [userDn('Ann')] });
    reader = await AdReader.connect({ urls: [env.url], bindDn: env.bindDn, password: env.password, caFile: env.caFile, baseDn: env.baseDn, scopeDns: [inside] });
    const handler = createScimHandler({
      source: {
        search: (options) => reader.search({ ...options, classes: options.classes ? ([...options.classes] as AdObjectClass[]) : undefined }),
        readObject: (key) => reader.readObject(key),
        readChanges: (watermark) => reader.readChanges(watermark),
      },
    });
    source = createScimChangeSource(async (_tenant, request) => handler(request));
    h = await openHarness({ containers: [inside] });
    job = { ...h.job, domain: env.domain };
  });

  after(async () => {
    await reader?.close();
    await h?.close();
    if (admin) {
      const { searchEntries } = await admin.search(root, { scope: 'sub', filter: '(objectClass=*)', attributes: ['dn'] }).catch(() => ({ searchEntries: [] }));
      for (const entry of searchEntries.map((e) => e.dn).sort((a, b) => b.length - a.length)) await admin.del(entry).catch(() => undefined);
      await admin.unbind();
    }
  });

  test('the cloud follows AD through full and incremental cycles', async () => {
    const first = await cycle();
    assert.equal(first.mode, 'full');
    let users = await cloudUsers();
    assert.deepEqual([...users.keys()].sort(), ['ann', 'bob', 'cid']);
    const ids = Object.fromEntries([...users].map(([k, u]) => [k, u.id]));
    assert.equal(users.get('cid')!.managerId, ids.ann);
    const team = (await h.store.directory.listGroups(h.tenantId, { limit: 10 })).items[0]!;
    const members = async () => (await h.store.directory.listGroupMembers(h.tenantId, team.id, { limit: 100 })).items.map((m) => m.object.id).sort();
    assert.deepEqual(await members(), [ids.ann]);

    // Add, modify, rename, move within scope, disable, member add.
    await addUser('Dee', { manager: userDn('Cid') });
    await modify(userDn('Ann'), 'title', ['Chief']);
    await admin.modifyDN(userDn('Bob'), `CN=Bobby`);
    await admin.modifyDN(userDn('Cid'), `CN=Cid,OU=Sub,${inside}`);
    await modify(userDn('Bobby'), 'userAccountControl', ['546']);
    await modify(userDn(`Team ${suffix}`), 'member', [userDn('Bobby')], 'add');
    const second = await cycle();
    assert.equal(second.mode, 'delta');
    assert.equal(second.execution.countEscrowed, 0);
    users = await cloudUsers();
    assert.equal(users.get('ann')!.jobTitle, 'Chief');
    assert.equal(users.get('bob')!.id, ids.bob, 'renamed, same object');
    assert.equal(users.get('bob')!.onPremisesDistinguishedName?.toLowerCase(), userDn('Bobby').toLowerCase());
    assert.equal(users.get('bob')!.accountEnabled, false);
    assert.equal(users.get('cid')!.onPremisesDistinguishedName?.toLowerCase(), `CN=Cid,OU=Sub,${inside}`.toLowerCase());
    assert.equal(users.get('dee')!.managerId, ids.cid, 'a manager that moved still resolves');
    assert.deepEqual(await members(), [ids.ann, ids.bob].sort());

    // Out of scope, delete, member remove.
    await admin.modifyDN(userDn('Bobby'), `CN=Bobby,${outside}`);
    await admin.del(userDn('Dee'));
    await modify(userDn(`Team ${suffix}`), 'member', [userDn('Ann')], 'delete');
    await cycle();
    users = await cloudUsers();
    assert.deepEqual([...users.keys()].sort(), ['ann', 'cid']);
    const deleted = await cloudUsers(true);
    assert.deepEqual([...deleted.keys()].sort(), ['bob', 'dee'], 'out of scope and deleted users wait in deleted items');
    assert.deepEqual(await members(), []);

    // Back into scope: restored, not duplicated.
    await admin.modifyDN(`CN=Bobby,${outside}`, `CN=Bobby,${inside}`);
    const fourth = await cycle();
    assert.equal(fourth.execution.countEscrowed, 0);
    users = await cloudUsers();
    assert.equal(users.get('bob')?.id, ids.bob);
    assert.deepEqual([...(await cloudUsers(true)).keys()], ['dee']);

    // Quiet: nothing to write.
    const quiet = await cycle();
    assert.equal(quiet.execution.countExported, 0);
  });
});
