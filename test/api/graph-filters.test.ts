/**
 * $count and $filter as Graph takes them, through Microsoft's Graph JS SDK with an
 * @azure/identity token: ?$count=true without ConsistencyLevel is ignored (it was a 400);
 * lambda any/all over proxyAddresses and groupTypes (a parse error before), not, ge/le/gt/lt
 * and datetime literals (parse errors before), with the advanced-query rule for each: `not`,
 * `gt`/`lt`, `all` and createdDateTime need ConsistencyLevel: eventual and $count=true.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { syncedUser } from './support/api-fixture.ts';
import { startHttpsApi, type HttpsApi, type SdkAnswer } from './support/https-api.ts';

const EVENTUAL = { ConsistencyLevel: 'eventual' };

describe('Graph $count and $filter operators', () => {
  let api: HttpsApi;
  let answers: Record<string, SdkAnswer>;
  const ids = (name: string): string[] => answers[name]!.body.value.map((o: { id: string }) => o.id).sort();
  const upns = new Map<string, string>();
  let unified: string;

  before(async () => {
    api = await startHttpsApi();
    const { f } = api;
    const users = await f.store.transaction((tx) => tx.createUsers(f.a.tenantId, [
      ...Array.from({ length: 20 }, (_, n) => syncedUser(n, {
        proxyAddresses: n % 4 === 0 ? [`SMTP:user${n}@corp.test`, `smtp:alias${n}@corp.test`] : [`SMTP:user${n}@corp.test`],
        onPremisesLastSyncDateTime: `2026-01-${String(n + 1).padStart(2, '0')}T00:00:00Z`,
      })),
      { userPrincipalName: 'cloud@corp.test', displayName: 'Cloud Only', proxyAddresses: ['X500:/o=corp/cn=cloud'] },
    ]));
    for (const user of users) upns.set(user.userPrincipalName, user.id);
    unified = await f.store.transaction(async (tx) => {
      const [m365] = await tx.createGroups(f.a.tenantId, [{ displayName: 'M365', groupTypes: ['Unified'] }, { displayName: 'Security', groupTypes: [] }]);
      return m365!.id;
    });
    const filter = (name: string, resource: string, text: string, headers?: Record<string, string>, extra = '') =>
      ({ name, path: `/${resource}?$filter=${text}&$select=id&$top=999${extra}`, headers });
    answers = await api.sdk([
      { name: 'countIgnored', path: '/users?$count=true&$top=2' },
      { name: 'countEventual', path: '/users?$count=true&$top=2', headers: EVENTUAL },
      filter('smtpAlias', 'users', "proxyAddresses/any(p:startswith(p,'smtp:alias'))"),
      filter('anyEq', 'users', "proxyAddresses/any(x:x eq 'smtp:USER7@corp.test')"),
      filter('notSmtpPlain', 'users', "not(proxyAddresses/any(p:startswith(p,'smtp:')))"),
      filter('notSmtp', 'users', "not(proxyAddresses/any(p:startswith(p,'smtp:')))", EVENTUAL, '&$count=true'),
      filter('allX500', 'users', "proxyAddresses/all(p:startswith(p,'x500:'))", EVENTUAL, '&$count=true'),
      filter('range', 'users', "displayName ge 'user 0010' and displayName le 'USER 0012'"),
      filter('gtPlain', 'users', "displayName gt 'User 0018'"),
      filter('gt', 'users', "displayName gt 'User 0018'", EVENTUAL, '&$count=true'),
      filter('syncedAfter', 'users', 'onPremisesLastSyncDateTime ge 2026-01-18T00:00:00Z'),
      filter('syncedOn', 'users', 'onPremisesLastSyncDateTime le 2026-01-02'),
      filter('createdPlain', 'users', 'createdDateTime ge 2000-01-01T00:00:00Z'),
      filter('created', 'users', 'createdDateTime ge 2000-01-01T00:00:00Z', EVENTUAL, '&$count=true'),
      filter('notStarts', 'users', "NOT startsWith(displayName,'User')", EVENTUAL, '&$count=true'),
      filter('member', 'users', "userType eq 'Member' and startswith(displayName,'Cloud')"),
      filter('guest', 'users', "userType eq 'Guest'"),
      filter('otherMails', 'users', "otherMails/any(m:startswith(m,'a'))"),
      filter('unified', 'groups', "groupTypes/any(c:c eq 'Unified')"),
      filter('notUnified', 'groups', "not(groupTypes/any(c:c eq 'unified'))", EVENTUAL, '&$count=true'),
      filter('badDate', 'users', 'createdDateTime ge 2026-13-45T00:00:00Z', EVENTUAL, '&$count=true'),
      filter('typeClash', 'users', 'displayName eq 2026-01-01'),
      filter('scalarLambda', 'users', "displayName/any(d:d eq 'x')"),
      filter('outerInLambda', 'users', "proxyAddresses/any(p:startswith(displayName,'x'))"),
    ]);
  });
  after(() => api.close());

  const id = (n: number) => upns.get(`user${String(n).padStart(4, '0')}@corp.test`)!;

  test('?$count=true without ConsistencyLevel is ignored; with it, @odata.count is there', () => {
    assert.equal(answers.countIgnored!.status, 200);
    assert.equal(answers.countIgnored!.body['@odata.count'], undefined);
    assert.equal(answers.countIgnored!.body.value.length, 2);
    assert.equal(answers.countEventual!.body['@odata.count'], 21);
  });

  test('any over proxyAddresses, without case; not and all as advanced queries', () => {
    assert.deepEqual(ids('smtpAlias'), [0, 4, 8, 12, 16].map(id).sort());
    assert.deepEqual(ids('anyEq'), [id(7)]);
    assert.equal(answers.notSmtpPlain!.status, 400);
    assert.equal(answers.notSmtpPlain!.code, 'Request_UnsupportedQuery');
    assert.deepEqual(ids('notSmtp'), [upns.get('cloud@corp.test')]);
    assert.equal(answers.notSmtp!.body['@odata.count'], 1);
    assert.deepEqual(ids('allX500'), [upns.get('cloud@corp.test')]);
  });

  test('ge/le on strings by default, gt/lt and not as advanced queries', () => {
    assert.deepEqual(ids('range'), [10, 11, 12].map(id).sort());
    assert.equal(answers.gtPlain!.code, 'Request_UnsupportedQuery');
    assert.deepEqual(ids('gt'), [id(19)]);
    assert.deepEqual(ids('notStarts'), [upns.get('cloud@corp.test')]);
  });

  test('datetime literals compare as instants; createdDateTime needs the advanced headers', () => {
    assert.deepEqual(ids('syncedAfter'), [17, 18, 19].map(id).sort());
    assert.deepEqual(ids('syncedOn'), [0, 1].map(id).sort());
    assert.equal(answers.createdPlain!.code, 'Request_UnsupportedQuery');
    assert.equal(answers.created!.body['@odata.count'], 21);
  });

  test('unstored properties filter as the value they answer: userType Member, otherMails empty', () => {
    assert.deepEqual(ids('member'), [upns.get('cloud@corp.test')]);
    assert.deepEqual(ids('guest'), []);
    assert.deepEqual(ids('otherMails'), []);
  });

  test('groupTypes/any finds Microsoft 365 groups, not(…) the others', () => {
    assert.deepEqual(ids('unified'), [unified]);
    assert.equal(answers.notUnified!.body['@odata.count'], 1);
    assert.notEqual(ids('notUnified')[0], unified);
  });

  test('bad datetimes, type clashes and lambdas over scalars or outer properties are Graph 400s', () => {
    assert.equal(answers.badDate!.status, 400);
    assert.match(answers.badDate!.message!, /DateTimeOffset/);
    assert.equal(answers.typeClash!.code, 'BadRequest');
    assert.match(answers.typeClash!.message!, /Edm\.DateTimeOffset/);
    assert.equal(answers.scalarLambda!.code, 'Request_UnsupportedQuery');
    assert.equal(answers.outerInLambda!.code, 'Request_UnsupportedQuery');
  });
});
