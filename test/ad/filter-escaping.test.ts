/**
 * Values put into LDAP filters reach the DC escaped (RFC 4515): a search for a user whose
 * name is itself filter syntax finds exactly that user.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AdReader } from '../../src/ad/reader.ts';
import { guidToBytes } from '../../src/ad/decode.ts';
import { and, eq, escapeFilterValue, substring } from '../../src/ad/filter.ts';
import { skipReason } from '../support/ad-env.ts';
import { collect, createTestOu, readerOptions, type TestOu } from './helpers.ts';

describe('filter values reach the DC escaped', { skip: skipReason() }, () => {
  let ou: TestOu;
  let reader: AdReader;
  // cn values: filter syntax, a near miss, wildcards, a backslash, non-ASCII.
  const names = ['x)(objectClass=*', 'x', 'star*', 'starfish', 'back\\slash', 'Zoë Ødegård 王芳'];
  // RFC 4514 escaping; Samba's DN parser also wants '=' escaped inside a value.
  const rdn = (cn: string) => `CN=${cn.replace(/[\\=,+"<>;]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}`;

  before(async () => {
    ou = await createTestOu();
    for (const [i, cn] of names.entries()) await ou.admin.add(`${rdn(cn)},${ou.dn}`, { objectClass: 'user', sAMAccountName: `esc${i}-${ou.dn.slice(5, 13)}` });
    reader = await AdReader.connect(readerOptions({ scopeDns: [ou.dn] }));
  });
  after(async () => {
    await reader?.close();
    await ou?.cleanup();
  });

  const cns = async (filter: string) => (await collect(reader.search({ filter }))).map((o) => o.attributes.cn?.[0]).sort();

  test('`x)(objectClass=*` is escaped as RFC 4515 says and finds exactly that user', async () => {
    const filter = eq('cn', 'x)(objectClass=*');
    assert.equal(filter, '(cn=x\\29\\28objectClass=\\2a)');
    assert.deepEqual(await cns(filter), ['x)(objectClass=*']);
  });

  test('an escaped asterisk is a literal, not a wildcard', async () => {
    assert.equal(escapeFilterValue('star*'), 'star\\2a');
    assert.deepEqual(await cns(eq('cn', 'star*')), ['star*']);
    assert.deepEqual(await cns(substring('cn', { initial: 'star' })), ['star*', 'starfish']);
  });

  test('backslashes and non-ASCII values', async () => {
    assert.deepEqual(await cns(eq('cn', 'back\\slash')), ['back\\slash']);
    assert.deepEqual(await cns(eq('cn', 'Zoë Ødegård 王芳')), ['Zoë Ødegård 王芳']);
    // The same value written as escaped UTF-8 bytes (as RFC 4515 also allows).
    const escaped = [...Buffer.from('王芳', 'utf8')].map((b) => `\\${b.toString(16)}`).join('');
    assert.deepEqual(await cns(`(cn=Zoë Ødegård ${escaped})`), ['Zoë Ødegård 王芳']);
  });

  test('an objectGUID written as escaped bytes in a filter string matches', async () => {
    const [target] = await collect(reader.search({ filter: eq('cn', 'x') }));
    assert.ok(target);
    const escaped = [...guidToBytes(target.objectGuid)].map((b) => `\\${b.toString(16).padStart(2, '0')}`).join('');
    const found = await collect(reader.search({ filter: and(`(objectGUID=${escaped})`, eq('objectClass', 'user')) }));
    assert.deepEqual(found.map((o) => o.objectGuid), [target.objectGuid]);
  });
});
