/** /v1.0/servicePrincipals/{id}/synchronization: templates, jobs, start/pause/restart, schema, secrets. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { InjectOptions } from 'fastify';
import { buildApiApp } from '../../src/api/app.ts';
import type { SynchronizationEvent } from '../../src/api/synchronization.ts';
import { startApiFixture, tokenFor, type ApiFixture } from './support/api-fixture.ts';

describe('Graph synchronization API', () => {
  let f: ApiFixture;
  let app: ReturnType<typeof buildApiApp>;
  let token: string;
  const events: SynchronizationEvent[] = [];

  before(async () => {
    f = await startApiFixture();
    // A second app on the same store, with an event listener as `canopy serve` wires one.
    app = buildApiApp({ store: f.store, auth: f.signer, onSynchronizationEvent: (event) => { events.push(event); } });
    await app.ready();
    token = await tokenFor(app, f.a);
  });
  after(async () => {
    await app.close();
    await f.close();
  });

  const call = (method: InjectOptions['method'], path: string, payload?: unknown) => app.inject({
    method,
    url: `/v1.0/servicePrincipals/${f.a.servicePrincipalId}/synchronization${path}`,
    headers: { authorization: `Bearer ${token}`, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
    payload: payload === undefined ? undefined : JSON.stringify(payload),
  });

  test('enable a domain as Entra documents it: create the job, set the Domain secret, start, read status', async () => {
    const templates = (await call('GET', '/templates')).json();
    assert.deepEqual(templates.value.map((t: { id: string }) => t.id), ['AD2AADProvisioning', 'AD2AADPasswordHash']);

    const created = await call('POST', '/jobs', { templateId: 'AD2AADProvisioning' });
    assert.equal(created.statusCode, 201, created.body);
    const job = created.json();
    assert.match(job.id, /^AD2AADProvisioning\.[0-9a-f]{32}$/);
    assert.deepEqual(job.schedule, { expiration: null, interval: 'PT2M', state: 'Disabled' });
    assert.equal(job.status.code, 'NotConfigured');

    assert.equal((await call('PUT', '/secrets', { value: [{ key: 'Domain', value: '{"domain":"corp.test"}' }] })).statusCode, 204);
    assert.deepEqual(await f.store.getSynchronizationSecrets(f.a.tenantId, f.a.servicePrincipalId), [{ key: 'Domain', value: '{"domain":"corp.test"}' }]);

    assert.equal((await call('POST', `/jobs/${job.id}/start`)).statusCode, 204, 'no body, as Graph clients send it');
    const started = (await call('GET', `/jobs/${job.id}`)).json();
    assert.equal(started.schedule.state, 'Active');
    assert.equal(started.status.code, 'Active');
    const settings = Object.fromEntries(started.synchronizationJobSettings.map((s: { name: string; value: string }) => [s.name, s.value]));
    assert.equal(settings.DomainFQDN, 'corp.test');
    assert.equal(settings.QuarantineTooManyDeletesThreshold, '500');
    assert.equal((await call('GET', '/jobs')).json().value.length, 1);

    assert.equal((await call('POST', `/jobs/${job.id}/pause`, {})).statusCode, 204);
    assert.equal((await call('GET', `/jobs/${job.id}`)).json().status.code, 'Paused');

    await f.store.transaction(async (tx) => {
      await tx.setWatermark(f.a.tenantId, job.id, 'w');
      await tx.putEscrows(f.a.tenantId, job.id, [{ sourceId: 'x', objectType: 'user', error: null }]);
    });
    assert.equal((await call('POST', `/jobs/${job.id}/restart`, { criteria: { resetScope: 'Watermark' } })).statusCode, 204);
    assert.equal(await f.store.getWatermark(f.a.tenantId, job.id), undefined);
    assert.equal(await f.store.countEscrows(f.a.tenantId, job.id), 1, 'only the watermark was reset');
    assert.equal((await call('POST', `/jobs/${job.id}/restart`, { criteria: { resetScope: 'Nope' } })).statusCode, 400);
    assert.equal((await call('POST', `/jobs/${job.id}/restart`, { criteria: {} })).statusCode, 204);
    assert.equal(await f.store.countEscrows(f.a.tenantId, job.id), 0, 'the default scope resets escrows');
    assert.equal((await call('GET', `/jobs/${job.id}`)).json().schedule.state, 'Active');

    assert.deepEqual(events.map((e) => e.type), ['jobCreated', 'secretsChanged', 'jobStarted', 'jobPaused', 'jobRestarted', 'jobRestarted']);
  });

  test('schema: a PUT with an unknown function, a wrong arity or an unknown attribute is refused naming it; the running schema stays', async () => {
    const id = (await call('POST', '/jobs', { templateId: 'AD2AADProvisioning' })).json().id;
    const schema = (await call('GET', `/jobs/${id}/schema`)).json();
    const withDisplayName = (expression: string) => {
      const edited = structuredClone(schema);
      const users = edited.synchronizationRules[0].objectMappings[0];
      const m = users.attributeMappings.find((a: { targetAttributeName: string }) => a.targetAttributeName === 'displayName');
      m.source = { expression, name: expression.slice(0, expression.indexOf('(')), type: 'Function' };
      return edited;
    };
    const good = await call('PUT', `/jobs/${id}/schema`, withDisplayName('Join(" ", [givenName], ToUpper([sn]))'));
    assert.equal(good.statusCode, 204, good.body);
    const stored = (await call('GET', `/jobs/${id}/schema`)).json();
    const displayName = stored.synchronizationRules[0].objectMappings[0].attributeMappings.find((a: { targetAttributeName: string }) => a.targetAttributeName === 'displayName');
    assert.equal(displayName.source.expression, 'Join(" ", [givenName], ToUpper([sn]))');
    for (const [expression, says] of [
      ['Joinn(" ", [givenName])', /unknown function Joinn/],
      ['join(" ", [givenName])', /unknown function join; function names are case-sensitive: did you mean Join\?/],
      ['Left([givenName])', /Left takes 2 arguments \(string, numChars\); got 1/],
      ['Join(" ", [givenName], [shoeSize])', /unknown attribute \[shoeSize\] on user/],
      ['Join(" ", [givenName]', /expected "," or "\)" after a function argument but found the end of the text \(at column 22\)/],
    ] as const) {
      const refused = await call('PUT', `/jobs/${id}/schema`, withDisplayName(expression));
      assert.equal(refused.statusCode, 400, expression);
      assert.equal(refused.json().error.code, 'BadRequest');
      assert.match(refused.json().error.message, says);
      assert.match(refused.json().error.message, /displayName/);
    }
    assert.deepEqual((await call('GET', `/jobs/${id}/schema`)).json(), stored, 'the running schema is unchanged');
  });

  test('schema/functions lists the language; schema/parseExpression parses and evaluates on a test input as Graph does', async () => {
    const id = (await call('POST', '/jobs', { templateId: 'AD2AADProvisioning' })).json().id;
    const functions = (await call('GET', `/jobs/${id}/schema/functions`)).json().value;
    const join = functions.find((f: { id: string }) => f.id === 'Join');
    assert.deepEqual(join.parameters, [
      { allowMultipleOccurrences: false, name: 'separator', required: true, type: 'String' },
      { allowMultipleOccurrences: true, name: 'source', required: true, type: 'String' },
    ]);
    assert.ok(functions.length >= 48);
    const parsed = (await call('POST', `/jobs/${id}/schema/parseExpression`, {
      expression: 'Join(" ", [givenName], ToUpper([sn]))',
      testInputObject: { definition: null, properties: [{ key: 'givenName', value: 'Zoë' }, { key: 'sn', value: 'Ødegård' }] },
    })).json();
    assert.equal(parsed.parsingSucceeded, true);
    assert.equal(parsed.evaluationSucceeded, true);
    assert.deepEqual(parsed.evaluationResult, ['Zoë ØDEGÅRD']);
    assert.equal(parsed.parsedExpression.name, 'Join');
    assert.deepEqual(parsed.parsedExpression.parameters.map((p: { key: string }) => p.key), ['separator', 'source1', 'source2']);
    const broken = (await call('POST', `/jobs/${id}/schema/parseExpression`, { expression: 'Mid([x], 1' })).json();
    assert.equal(broken.parsingSucceeded, false);
    assert.equal(broken.error.code, 'ERR_EXPRESSION_SYNTAX');
    assert.match(broken.error.message, /at column 11/);
    assert.equal((await call('POST', `/jobs/${id}/schema/parseExpression`, { nope: 1 })).statusCode, 400);
  });

  test('schema: the default mapping until one is put, reset by DELETE', async () => {
    const { id } = (await call('POST', '/jobs', { templateId: 'AD2AADProvisioning' })).json();
    const schema = (await call('GET', `/jobs/${id}/schema`)).json();
    assert.equal(schema.synchronizationRules[0].objectMappings[0].sourceObjectName, 'user');
    const edited = { ...schema, version: 'edited' };
    assert.equal((await call('PUT', `/jobs/${id}/schema`, edited)).statusCode, 204);
    assert.equal((await call('GET', `/jobs/${id}/schema`)).json().version, 'edited');
    assert.equal((await call('PUT', `/jobs/${id}/schema`, { nope: 1 })).statusCode, 400);
    assert.equal((await call('DELETE', `/jobs/${id}/schema`)).statusCode, 204);
    assert.notEqual((await call('GET', `/jobs/${id}/schema`)).json().version, 'edited');
    assert.equal((await call('DELETE', `/jobs/${id}`)).statusCode, 204);
    assert.equal((await call('GET', `/jobs/${id}`)).statusCode, 404);
  });

  test('QuarantineTooManyDeletesThreshold follows the SyncNotificationSettings secret\'s DeleteThresholdValue, for existing and new jobs', async () => {
    const settingOf = async (id: string): Promise<string | undefined> =>
      ((await call('GET', `/jobs/${id}`)).json().synchronizationJobSettings as { name: string; value: string }[]).find((s) => s.name === 'QuarantineTooManyDeletesThreshold')?.value;
    const existing = (await call('POST', '/jobs', { templateId: 'AD2AADProvisioning' })).json().id as string;
    assert.equal(await settingOf(existing), '500', 'the default before any secret');
    const put = (settings: Record<string, unknown>) => call('PUT', '/secrets', { value: [{ key: 'SyncNotificationSettings', value: JSON.stringify(settings) }] });
    assert.equal((await put({ Enabled: true, Recipients: 'a@example.org', DeleteThresholdEnabled: true, DeleteThresholdValue: 50 })).statusCode, 204);
    assert.equal(await settingOf(existing), '50');
    assert.equal((await put({ Enabled: true, Recipients: 'a@example.org', DeleteThresholdValue: '75' })).statusCode, 204);
    assert.equal(await settingOf(existing), '75', 'a number written as a string, as the walkthrough does');
    assert.equal((await put({ Enabled: true, Recipients: 'a@example.org' })).statusCode, 204);
    assert.equal(await settingOf(existing), '75', 'a secret without DeleteThresholdValue leaves the setting, which the engine then falls back to');
    assert.equal((await put({ DeleteThresholdValue: 0 })).statusCode, 400, 'a bad value is refused and changes nothing');
    assert.equal(await settingOf(existing), '75');
    await put({ Enabled: true, Recipients: 'a@example.org', DeleteThresholdValue: 120 });
    const created = (await call('POST', '/jobs', { templateId: 'AD2AADProvisioning' })).json().id as string;
    assert.equal(await settingOf(created), '120', 'a job created after the secret shows it');
  });

  test("unknown templates, unknown principals and another tenant's principal are refused", async () => {
    assert.equal((await call('POST', '/jobs', { templateId: 'Nope' })).statusCode, 400);
    const other = await app.inject({ method: 'GET', url: `/v1.0/servicePrincipals/${f.b.servicePrincipalId}/synchronization/jobs`, headers: { authorization: `Bearer ${token}` } });
    assert.equal(other.statusCode, 404);
    const bad = await call('PUT', '/secrets', { value: [{ key: 'Domain', value: 'corp.test' }] });
    assert.equal(bad.statusCode, 400);
  });
});
