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

  test("unknown templates, unknown principals and another tenant's principal are refused", async () => {
    assert.equal((await call('POST', '/jobs', { templateId: 'Nope' })).statusCode, 400);
    const other = await app.inject({ method: 'GET', url: `/v1.0/servicePrincipals/${f.b.servicePrincipalId}/synchronization/jobs`, headers: { authorization: `Bearer ${token}` } });
    assert.equal(other.statusCode, 404);
    const bad = await call('PUT', '/secrets', { value: [{ key: 'Domain', value: 'corp.test' }] });
    assert.equal(bad.statusCode, 400);
  });
});
