/**
 * The API fixture over a real HTTPS socket with a test CA, and a way to send Graph requests
 * to it through Microsoft's Graph JS SDK authenticated by @azure/identity, in a child process
 * that trusts only that CA (graph-sdk-requests-script.ts).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TenantCredentials } from '../../../src/api/auth/tenant-setup.ts';
import { startApiFixture, type ApiFixture } from './api-fixture.ts';
import { makeTestCertificates, type TestCertificates } from './test-ca.ts';

const run = promisify(execFile);

export interface SdkRequest {
  readonly name: string;
  readonly method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
}

export interface SdkAnswer {
  readonly status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body?: any;
  readonly code?: string;
  readonly message?: string;
  /** From an error body's innerError, as the SDK's GraphError reads it. */
  readonly requestId?: string;
  readonly date?: string;
}

export interface HttpsApi {
  readonly f: ApiFixture;
  readonly url: string;
  /** Sends the requests through the Graph SDK as tenant A (or the given credentials). */
  sdk(requests: readonly SdkRequest[], credentials?: TenantCredentials): Promise<Record<string, SdkAnswer>>;
  close(): Promise<void>;
}

export async function startHttpsApi(): Promise<HttpsApi> {
  const certDir = mkdtempSync(join(tmpdir(), 'canopy-ca-'));
  const certs: TestCertificates = makeTestCertificates(certDir);
  const f = await startApiFixture({ https: { key: certs.key, cert: certs.cert } } as never);
  const address = await f.app.listen({ host: '127.0.0.1', port: 0 });
  const url = address.replace('https://127.0.0.1', 'https://localhost');
  return {
    f,
    url,
    async sdk(requests, credentials = f.a) {
      const { stdout } = await run(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'graph-sdk-requests-script.ts')], {
        env: {
          ...process.env, NODE_EXTRA_CA_CERTS: certs.caFile, CANOPY_API_URL: url, CANOPY_TENANT_ID: credentials.tenantId,
          CANOPY_CLIENT_ID: credentials.clientId, CANOPY_CLIENT_SECRET: credentials.clientSecret, GRAPH_REQUESTS: JSON.stringify(requests),
        },
        timeout: 120_000,
      });
      return JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, SdkAnswer>;
    },
    async close() {
      await f.close();
      rmSync(certDir, { recursive: true, force: true });
    },
  };
}
