/**
 * The replication client against the Samba DC, layer by layer: the endpoint mapper finds
 * drsuapi's port, NTLM at packet privacy binds (a wrong password is refused), DRSBind and
 * GetNCChanges read a user the test created, and the decrypted NT hash equals both
 * MD4(UTF-16LE(password)) and the DC's own samba-tool answer. Then rights and paging.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Attribute, Change } from 'ldapts';
import { ntHashOf } from '../../src/drs/crypto/md4.ts';
import { AttributeOid, DRSUAPI } from '../../src/drs/drsuapi/drs-constants.ts';
import { DrsError } from '../../src/drs/drsuapi/drs-errors.ts';
import { ntHashFrom, ridOf } from '../../src/drs/drsuapi/secret-attribute.ts';
import { ReplicationClient } from '../../src/drs/replication-client.ts';
import { lookupTcpPort } from '../../src/drs/rpc/endpoint-mapper.ts';
import { adEnv, skipReason } from '../support/ad-env.ts';
import { createTestOu, type TestOu } from '../ad/helpers.ts';
import { addUser, credentialsFor, dcHost, oracleNtHash, sambaConf, setPassword, syncAccount } from './support.ts';

const TIMEOUT = 240_000;

describe('MS-DRSR replication client against the DC', { skip: skipReason(), timeout: TIMEOUT }, () => {
  let ou: TestOu;
  let client: ReplicationClient;
  let userDn: string;
  let sam: string;
  const password = `Pw-${Math.random().toString(36).slice(2)}-1!`;

  before(async () => {
    ou = await createTestOu();
    sam = `drs-${ou.dn.slice(5, 13)}`;
    userDn = `CN=${sam},${ou.dn}`;
    await addUser(ou.admin, userDn, sam, password);
    client = await ReplicationClient.connect(syncAccount());
  });
  after(async () => {
    client?.close();
    await ou?.cleanup();
  });

  test('the endpoint mapper names a drsuapi port the DC listens on', async () => {
    const port = await lookupTcpPort(dcHost(), DRSUAPI, 30_000);
    assert.ok(port > 1024 && port !== 135, `port ${port}`);
    await new Promise<void>((resolve, reject) => {
      const socket = connect({ host: dcHost(), port }, () => { socket.destroy(); resolve(); });
      socket.on('error', reject);
    });
  });

  test('reads the NT hash of a user the test set a password for', async () => {
    const reply = await client.readObject(userDn, [AttributeOid.unicodePwd, AttributeOid.objectSid, AttributeOid.sAMAccountName]);
    assert.equal(reply.objects.length, 1);
    const object = reply.objects[0]!;
    assert.equal(object.name.dn.toLowerCase(), userDn.toLowerCase());
    const encrypted = object.attributes.find((a) => reply.prefixTable.oidOf(a.attid) === AttributeOid.unicodePwd)?.values[0];
    assert.ok(encrypted, 'unicodePwd was replicated');
    const ntHash = ntHashFrom(encrypted, client.sessionKey, ridOf(object.name.sid!));
    assert.equal(ntHash.toString('hex'), (await ntHashOf(password)).toString('hex'));
    assert.notEqual(ntHash.toString('hex'), (await ntHashOf(`${password}x`)).toString('hex'));
    const conf = sambaConf();
    if (conf) assert.equal(ntHash.toString('hex'), oracleNtHash(conf, sam));
  });

  test('a wrong session key fails the CRC32 check instead of returning a wrong hash', async () => {
    const reply = await client.readObject(userDn, [AttributeOid.unicodePwd, AttributeOid.objectSid]);
    const object = reply.objects[0]!;
    const encrypted = object.attributes.find((a) => reply.prefixTable.oidOf(a.attid) === AttributeOid.unicodePwd)!.values[0]!;
    const wrongKey = Buffer.from(client.sessionKey);
    wrongKey[0]! ^= 1;
    assert.throws(() => ntHashFrom(encrypted, wrongKey, ridOf(object.name.sid!)), (e: unknown) => e instanceof DrsError && e.code === 'ERR_DRS_SECRET_CHECKSUM');
  });

  test('pages through the whole domain and resumes from the watermark with only what changed', async () => {
    let objects = 0;
    let pages = 0;
    async function lastPage() {
      let page;
      for await (page of client.replicate({ nc: adEnv().baseDn, attributes: [AttributeOid.objectClass, AttributeOid.unicodePwd], pageSize: 500 })) {
        objects += page.reply.objects.length;
        pages += 1;
      }
      return page;
    }
    const last = await lastPage();
    assert.ok(last, 'at least one page');
    assert.ok(pages >= 2, `the fixture needs more than one page of 500 (got ${pages} pages, ${objects} objects)`);
    assert.ok(objects > 500);

    await setPassword(ou.admin, userDn, `${password}-2`);
    const changed: string[] = [];
    for await (const page of client.replicate({ nc: adEnv().baseDn, attributes: [AttributeOid.unicodePwd], from: last.watermark })) {
      changed.push(...page.reply.objects.map((o) => o.name.dn.toLowerCase()));
    }
    assert.deepEqual(changed, [userDn.toLowerCase()]);
  });

  test('a wrong password is refused with a clear error', async () => {
    const env = adEnv();
    await assert.rejects(
      ReplicationClient.connect({ ...syncAccount(), credentials: credentialsFor(env.bindDn, `${env.password}-wrong`) }),
      (e: unknown) => e instanceof DrsError && e.code === 'ERR_DRS_LOGON_FAILED' && e.message.includes('check the user name and password'),
    );
  });

  async function replicationError(options: ReturnType<typeof syncAccount>): Promise<DrsError> {
    const other = await ReplicationClient.connect(options);
    try {
      for await (const page of other.replicate({ nc: adEnv().baseDn, attributes: [AttributeOid.unicodePwd] })) void page;
    } catch (error) {
      assert.ok(error instanceof DrsError, String(error));
      return error;
    } finally {
      other.close();
    }
    assert.fail('replication succeeded without the rights');
  }

  test('an account without any replication right is told it lacks "Replicating Directory Changes"', { skip: adEnv().noRightsBindDn ? undefined : 'no account without rights configured' }, async () => {
    const env = adEnv();
    const error = await replicationError({ ...syncAccount(), credentials: credentialsFor(env.noRightsBindDn, env.noRightsPassword) });
    assert.equal(error.code, 'ERR_DRS_MISSING_RIGHT');
    assert.match(error.message, /lacks the "Replicating Directory Changes" extended right \(DS-Replication-Get-Changes\)/);
  });

  test('an account with only "Replicating Directory Changes" is told it lacks "… All"', async () => {
    // Enterprise Read-only Domain Controllers (RID 498) holds DS-Replication-Get-Changes,
    // and not -All, on the domain head in every AD's default security descriptor.
    const sam = `ro-${ou.dn.slice(5, 13)}`;
    const dn = `CN=${sam},${ou.dn}`;
    const roGroup = `CN=Enterprise Read-only Domain Controllers,CN=Users,${adEnv().baseDn}`;
    await addUser(ou.admin, dn, sam, password);
    await ou.admin.modify(roGroup, new Change({ operation: 'add', modification: new Attribute({ type: 'member', values: [dn] }) }));
    try {
      const error = await replicationError({ ...syncAccount(), credentials: credentialsFor(dn, password) });
      assert.equal(error.code, 'ERR_DRS_MISSING_RIGHT');
      assert.match(error.message, /lacks the "Replicating Directory Changes All" extended right \(DS-Replication-Get-Changes-All\)/);
    } finally {
      await ou.admin.modify(roGroup, new Change({ operation: 'delete', modification: new Attribute({ type: 'member', values: [dn] }) }));
    }
  });
});
