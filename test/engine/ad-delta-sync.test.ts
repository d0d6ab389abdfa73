/**
 * Incremental cycles against the real DC: changes made in AD under a per-run OU travel
 * through the AD reader's DirSync deltas and the agent's SCIM service into the store, and
 * the cloud follows: add, modify, rename, move, disable, member add/remove, move out of
 * scope, delete, and a return into scope (restore from deleted items, same object).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Attribute, Change, Client, Control } from 'ldapts';
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

/** The objectGUID a base64 anchor was made from (users created here have no consistency GUID). */
async function guidOfAnchor(anchor: string): Promise<string> {
  const b = Buffer.from(anchor, 'base64');
  const hex = Buffer.from([b[3]!, b[2]!, b[1]!, b[0]!, b[5]!, b[4]!, b[7]!, b[6]!, ...b.subarray(8)]).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

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

  /** Tombstone reanimation (MS-ADTS 3.1.1.5.3.7.3): remove isDeleted, give the object its DN back. */
  async function reanimate(objectGuid: string, dn: string): Promise<void> {
    const showDeleted = new Control('1.2.840.113556.1.4.417', { critical: true });
    const { searchEntries } = await admin.search(`CN=Deleted Objects,${adEnv().baseDn}`, { scope: 'one', filter: '(isDeleted=TRUE)', attributes: ['distinguishedName'] }, [showDeleted]);
    // A tombstone's RDN ends with DEL:<objectGUID>.
    const tombstone = searchEntries.map((e) => e.dn).find((d) => d.toLowerCase().includes(`del:${objectGuid}`));
    assert.ok(tombstone, `the tombstone of ${dn}`);
    await admin.modify(tombstone, [
      new Change({ operation: 'delete', modification: new Attribute({ type: 'isDeleted' }) }),
      new Change({ operation: 'replace', modification: new Attribute({ type: 'distinguishedName', values: [dn] }) }),
    ], [showDeleted]);
  }

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

    // Restore from the AD side (tombstone reanimation): same objectGUID, so the same cloud user.
    const dee = (await cloudUsers(true)).get('dee')!;
    await reanimate(await guidOfAnchor(dee.onPremisesImmutableId!), userDn('Dee'));
    // Without the recycle bin a tombstone keeps few attributes (MS-ADTS 3.1.1.5.5.1.1): the
    // UPN is gone, so the object cannot sync yet — a logged, escrowed per-object error.
    const fifth = await cycle();
    assert.equal(fifth.execution.countEscrowed, 1);
    const failure = (await h.store.directory.listProvisioningLogs(h.tenantId, { limit: 10, cycleId: fifth.cycleId })).items.find((l) => l.provisioningStatusInfo.status === 'failure');
    assert.match(JSON.stringify(failure?.provisioningStatusInfo.errorInformation), /userPrincipalName is required/);
    assert.equal((await cloudUsers()).has('dee'), false);
    // The admin puts the UPN back: the next cycle restores the same cloud user.
    await modify(userDn('Dee'), 'userPrincipalName', [`dee.${suffix}@${adEnv().domain}`]);
    const sixth = await cycle();
    assert.equal(sixth.execution.countEscrowed, 0);
    assert.equal(await h.store.directory.countEscrows(h.tenantId, job.jobId), 0);
    users = await cloudUsers();
    assert.equal(users.get('dee')?.id, dee.id, 'restored from deleted items, not duplicated');
    assert.equal((await cloudUsers(true)).size, 0);

    // Quiet: nothing to write.
    const quiet = await cycle();
    assert.equal(quiet.execution.countExported, 0);
  });
});
