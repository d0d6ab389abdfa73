/**
 * Microsoft's cloud sync Graph walkthrough (entra-docs how-to-inbound-synch-ms-graph) replayed
 * request by request against the service over HTTPS, on /beta and on /v1.0, authenticated by
 * @azure/identity, once as the doc's raw HTTP requests and once through the Graph JS SDK.
 * Before /beta, instantiate, GET secrets, the inetOrgPersons mapping and `jobs/` existed, the
 * first request already answered 404.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startApiFixture, type ApiFixture } from './support/api-fixture.ts';
import { makeTestCertificates, type TestCertificates } from './support/test-ca.ts';

const run = promisify(execFile);

describe("Microsoft's cloud sync walkthrough, only the host changed", () => {
  let f: ApiFixture;
  let certDir: string;
  let certs: TestCertificates;
  let apiUrl: string;

  before(async () => {
    certDir = mkdtempSync(join(tmpdir(), 'canopy-ca-'));
    certs = makeTestCertificates(certDir);
    f = await startApiFixture({ https: { key: certs.key, cert: certs.cert } } as never);
    const address = await f.app.listen({ host: '127.0.0.1', port: 0 });
    apiUrl = address.replace('https://127.0.0.1', 'https://localhost');
  });
  after(async () => {
    await f.close();
    rmSync(certDir, { recursive: true, force: true });
  });

  for (const version of ['beta', 'v1.0']) {
    for (const mode of ['raw', 'sdk']) {
      test(`${mode === 'raw' ? 'the HTTP requests' : 'the Graph JS SDK'} on /${version}`, async () => {
        const domain = `${mode}-${version.replace('.', '')}.contoso.test`;
        const { stdout } = await run(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'support/walkthrough-script.ts')], {
          env: {
            ...process.env, NODE_EXTRA_CA_CERTS: certs.caFile, CANOPY_API_URL: apiUrl, CANOPY_TENANT_ID: f.a.tenantId,
            CANOPY_CLIENT_ID: f.a.clientId, CANOPY_CLIENT_SECRET: f.a.clientSecret,
            WALKTHROUGH_VERSION: version, WALKTHROUGH_MODE: mode, WALKTHROUGH_DOMAIN: domain,
          },
          timeout: 120_000,
        });
        const seen = JSON.parse(stdout.trim().split('\n').pop()!);
        assert.deepEqual(seen.steps, {
          getOrganization: 200, enableTenantFlag: 204, getOrganizationAgain: 200, instantiate: 201, listServicePrincipals: 200,
          createProvisioningJob: 201, createPasswordHashJob: 201, putDomainSecret: 204, getSchema: 200, putSchema: 204, getSchemaAgain: 200,
          putNotificationSecret: 204, getSecrets: 200, restartForceDeletes: 204, listJobsTrailingSlash: 200, start: 204, restartFull: 204, reviewStatus: 200,
        });
        assert.equal(seen.organizationId, f.a.tenantId);
        assert.equal(seen.flag, true);
        assert.equal((await f.store.getTenant(f.a.tenantId))?.onPremisesSyncEnabled, true);
        // The configuration: an application and its own service principal, named after the domain.
        assert.equal(seen.application.displayName, domain);
        assert.equal(seen.servicePrincipal.appId, seen.application.appId);
        assert.equal(seen.servicePrincipal.applicationTemplateId, '1a4721b3-e57f-4451-ae87-ef078703ec94');
        assert.notEqual(seen.spId, f.a.servicePrincipalId, 'a new service principal, not the bootstrap one');
        assert.equal(seen.foundByName, seen.spId);
        assert.match(seen.jobIds[0], /^AD2AADProvisioning\.[0-9a-f]{32}$/);
        assert.match(seen.jobIds[1], /^AD2AADPasswordHash\.[0-9a-f]{32}$/);
        assert.equal(seen.edited, 2, 'both user object mappings the doc names exist');
        assert.deepEqual(seen.credentialMappings.sort(), ['Provision Active Directory inetOrgPersons', 'Provision Active Directory users']);
        assert.deepEqual(seen.secrets.map((s: { key: string }) => s.key).sort(), ['AppKey', 'Domain', 'SyncNotificationSettings']);
        assert.equal(seen.secrets.find((s: { key: string }) => s.key === 'Domain').value, JSON.stringify({ domain }));
        assert.equal(seen.jobsBeforeStart, 2);
        const provisioning = seen.review.find((j: { templateId: string }) => j.templateId === 'AD2AADProvisioning');
        assert.equal(provisioning.state, 'Active');
        assert.equal(provisioning.code, 'Active');
        assert.ok(provisioning.settings.some((s: { name: string; value: string }) => s.name === 'DomainFQDN' && s.value === domain), 'the Domain secret reached the job settings');
        // Secrets and jobs belong to the new configuration only.
        const stored = await f.store.getSynchronizationSecrets(f.a.tenantId, seen.spId);
        assert.equal(stored.length, 3);
        assert.deepEqual(await f.store.getSynchronizationSecrets(f.a.tenantId, f.a.servicePrincipalId), []);
        assert.equal((await f.store.listSynchronizationJobs(f.a.tenantId, seen.spId)).length, 2);
      });
    }
  }
});
