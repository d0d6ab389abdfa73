/** provisionOnDemand's request checks and Graph's rate limit, without AD (the engine is not reached). */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildApiApp } from '../../src/api/app.ts';
import { RateWindow } from '../../src/api/rate-window.ts';
import { startApiFixture, tokenFor, type ApiFixture } from './support/api-fixture.ts';

test('RateWindow: five per ten seconds, Retry-After until the oldest leaves the window, keys apart', () => {
  let now = 1_000_000;
  const window = new RateWindow(5, 10_000, () => now);
  for (let i = 0; i < 5; i++) {
    assert.equal(window.take('job-a').allowed, true);
    now += 1000;
  }
  // 5 s after the first request: the first leaves the window 5 s from now.
  assert.deepEqual(window.take('job-a'), { allowed: false, retryAfterSeconds: 5 });
  assert.equal(window.take('job-b').allowed, true, 'another job has its own window');
  now += 4_500;
  assert.deepEqual(window.take('job-a'), { allowed: false, retryAfterSeconds: 1 });
  now += 600;
  assert.equal(window.take('job-a').allowed, true, 'the first request left the window');
  assert.equal(window.take('job-a').allowed, false, 'a refused request is not counted, an allowed one is');
  assert.throws(() => new RateWindow(0, 10), /limit/);
});

describe('provisionOnDemand: requests refused before the engine', () => {
  let f: ApiFixture;
  let app: ReturnType<typeof buildApiApp>;
  let token: string;
  const reached: unknown[] = [];

  before(async () => {
    f = await startApiFixture();
    app = buildApiApp({ store: f.store, auth: f.signer, provisionOnDemand: async (...args) => { reached.push(args); throw new Error('not reached'); } });
    await app.ready();
    token = await tokenFor(app, f.a);
  });
  after(async () => {
    await app.close();
    await f.close();
  });

  const post = (path: string, payload: unknown) => app.inject({
    method: 'POST',
    url: `/v1.0/servicePrincipals/${f.a.servicePrincipalId}/synchronization${path}`,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    payload: JSON.stringify(payload),
  });

  test('a bad body is 400 naming what is wrong; another template is refused; an unknown job is 404', async () => {
    const cases: [unknown, RegExp][] = [
      [{}, /needs "parameters"/],
      [{ parameters: [{ ruleId: 'nope', subjects: [{ objectId: 'CN=a,DC=x', objectTypeName: 'user' }] }] }, /ruleId "nope" is not a rule of the job's schema \(AD2AADProvisioning\)/],
      [{ parameters: [{ subjects: [] }] }, /exactly one synchronizationJobSubject/],
      [{ parameters: [{ subjects: [{ objectTypeName: 'user' }] }] }, /objectId needs the AD object's distinguished name/],
      [{ parameters: [{ subjects: [{ objectId: 'CN=a,DC=x', objectTypeName: 'computer' }] }] }, /objectTypeName "computer": expected "user" or "group"/],
      [{ parameters: [{ subjects: [{ objectId: 'CN=a,DC=x', objectTypeName: 'user', links: { members: [{ objectId: 'CN=b,DC=x', objectTypeName: 'User' }] } }] }] }, /links.members is for a group subject, not a user/],
      [{ parameters: [{ subjects: [{ objectId: 'CN=g,DC=x', objectTypeName: 'Group', links: { members: Array.from({ length: 6 }, (_, i) => ({ objectId: `CN=m${i},DC=x`, objectTypeName: 'User' })) } }] }] }, /takes 1 to 5 members of the group \(it has 6\)/],
      [{ parameters: [{ subjects: [{ objectId: 'CN=g,DC=x', objectTypeName: 'Group', links: { members: [{ objectTypeName: 'User' }] } }] }] }, /links.members\[0\].objectId needs/],
      [{ parameters: [{ subjects: [{ objectId: 'CN=g,DC=x', objectTypeName: 'Group', links: { owners: [] } }] }] }, /takes only "members"/],
    ];
    for (const [body, message] of cases) {
      // Each call counts toward the job's window of five: a fresh job per case keeps them apart.
      const fresh = (await post('/jobs', { templateId: 'AD2AADProvisioning' })).json() as { id: string };
      const response = await post(`/jobs/${fresh.id}/provisionOnDemand`, body);
      assert.equal(response.statusCode, 400, response.body);
      assert.equal(response.json().error.code, 'BadRequest');
      assert.match(response.json().error.message, message);
    }
    const phs = (await post('/jobs', { templateId: 'AD2AADPasswordHash' })).json() as { id: string };
    const valid = { parameters: [{ ruleId: 'AD2AADProvisioning', subjects: [{ objectId: 'CN=a,DC=x', objectTypeName: 'user' }] }] };
    const refused = await post(`/jobs/${phs.id}/provisionOnDemand`, valid);
    assert.equal(refused.statusCode, 400);
    assert.match(refused.json().error.message, /AD2AADPasswordHash/);
    assert.equal((await post('/jobs/AD2AADProvisioning.0000/provisionOnDemand', valid)).statusCode, 404);
    assert.equal(reached.length, 0, 'the engine was never called');
  });
});
