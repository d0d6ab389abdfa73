/**
 * `canopy agent register`: make the key pair here, send the public key, the agent's name
 * and the domains of its configuration with the one-time token, and keep what the service
 * answers. The token is the only secret that ever travels, once.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { CanopyError, type CanopyErrorCode } from '../core/errors.ts';
import { RELAY_PATHS } from '../relay/defaults.ts';
import type { AgentConfig } from './config.ts';
import { errorText, httpJson } from './http-json.ts';
import { KEY_FILE, generateAgentKey, savePrivateKey, saveIdentity, type AgentIdentity } from './keys.ts';

interface RegisterAnswer {
  agentId: string;
  tenantId: string;
  domains: string[];
  audience: string;
}

const TOKEN_CODES = new Set<string>(['ERR_RELAY_TOKEN_INVALID', 'ERR_RELAY_TOKEN_EXPIRED', 'ERR_RELAY_TOKEN_USED']);

export async function registerAgent(config: AgentConfig, token: string): Promise<AgentIdentity> {
  const serviceUrl = config.service.url;
  if (serviceUrl === undefined) throw new CanopyError('ERR_CONFIG_INVALID', 'service.url: give the service URL (--service or service.url in the configuration)');
  if (existsSync(join(config.dataDir, KEY_FILE))) {
    throw new CanopyError('ERR_CONFIG_INVALID', `dataDir: ${config.dataDir} already holds an enrolled agent's key; use another data folder to enroll a new agent`);
  }
  const { privateKey, publicKeyJwk } = await generateAgentKey();
  const ca = config.service.caFile ? readFileSync(config.service.caFile) : undefined;
  const url = new URL(RELAY_PATHS.register, serviceUrl).toString();
  const answer = await httpJson(url, {
    body: { token, name: config.name ?? hostname(), publicKeyJwk, domains: config.domains.map((domain) => domain.name) },
    ca,
  });
  if (answer.status !== 201) {
    const code = (answer.body as { error?: { code?: string } } | undefined)?.error?.code;
    const coded: CanopyErrorCode = code && TOKEN_CODES.has(code) ? (code as CanopyErrorCode) : 'ERR_CONFIG_INVALID';
    throw new CanopyError(coded, `enrollment refused by ${serviceUrl} (HTTP ${answer.status}): ${errorText(answer.body)}`);
  }
  const body = answer.body as RegisterAnswer;
  // The key is written only once the service accepted it, so a refused token leaves no half-enrolled folder.
  savePrivateKey(config.dataDir, privateKey);
  const identity: AgentIdentity = {
    agentId: body.agentId,
    tenantId: body.tenantId,
    audience: body.audience,
    serviceUrl,
    domains: body.domains,
    registeredAt: new Date().toISOString(),
  };
  saveIdentity(config.dataDir, identity);
  return identity;
}
