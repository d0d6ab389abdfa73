/**
 * Password hash sync tests' agent: createAdDomains over the test DC with a passwordHashSync
 * block, and the relay replaced by a direct call to its domain handler (with a JSON round
 * trip, as the relay's frames make one).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAdDomains, type AdDomains } from '../../src/agent/ad-domains.ts';
import { parseAgentConfig } from '../../src/agent/config.ts';
import type { ScimSend } from '../../src/engine/scim-change-source.ts';
import { adEnv } from '../support/ad-env.ts';
import { credentialsFor } from '../drs/support.ts';

export function agentDomains(bindDn: string, password: string, pageSize?: number): AdDomains {
  const env = adEnv();
  const { user, domain } = credentialsFor(bindDn, password);
  const config = parseAgentConfig({
    service: { url: 'http://127.0.0.1:1' },
    dataDir: mkdtempSync(join(tmpdir(), 'canopy-phs-')),
    domains: [{
      name: env.domain,
      ad: { urls: [env.url], bindDn, passwordEnv: 'PHS_TEST_PASSWORD', caFile: env.caFile, baseDn: env.baseDn },
      passwordHashSync: { user, netbiosDomain: domain, ...(pageSize ? { pageSize } : {}) },
    }],
  }, process.cwd(), {});
  return createAdDomains(config, { PHS_TEST_PASSWORD: password });
}

/** What the relay does for the engine, without the WebSocket. */
export function sendTo(domains: AdDomains): ScimSend {
  const signal = new AbortController().signal;
  return async (_tenantId, request) => {
    const response = await domains.handlers.get(request.domain)!({ ...request, query: request.query ?? {} }, signal);
    return JSON.parse(JSON.stringify(response)) as { status: number; body?: unknown };
  };
}
