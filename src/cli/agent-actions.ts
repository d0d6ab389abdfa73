/** What `canopy agent register|run|revoke|list` do; loaded only when one of them runs (agent.ts). */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writePrivateFile } from '../core/private-files.ts';
import { escapeForLog } from '../core/log-text.ts';
import { AgentConnection } from '../agent/connection.ts';
import { createAdDomains } from '../agent/ad-domains.ts';
import { startChangeSignals } from '../agent/change-signals.ts';
import { loadAgentConfig } from '../agent/config.ts';
import { createDispatch } from '../agent/dispatch.ts';
import { loadIdentity, loadPrivateKey } from '../agent/keys.ts';
import { registerAgent } from '../agent/register.ts';
import { startScimHttp } from '../agent/scim-http.ts';
import type { ScimHandler, ScimRequest, ScimResponse } from '../agent/scim-service.ts';
import { scimErrorBody } from '../scim/scim-error.ts';
import { RELAY_PATHS } from '../relay/defaults.ts';
import type { AgentStatus } from '../relay/status.ts';
import { adminClient, expectStatus, type AdminOptions } from './admin-client.ts';
import { parseListen } from './listen.ts';
import { printAgents } from './status-print.ts';
import { CANOPY_VERSION } from './version.ts';

/** One log line; what the service, AD and the network put in it is escaped (core/log-text.ts). */
const log = (line: string): void => void process.stdout.write(`${new Date().toISOString()} ${escapeForLog(line)}\n`);

export async function register(options: { service?: string; token: string; config: string }): Promise<void> {
  const env = options.service ? { ...process.env, CANOPY_SERVICE_URL: options.service } : process.env;
  const config = loadAgentConfig(options.config, env);
  const identity = await registerAgent(config, options.token);
  log(`canopy: agent ${identity.agentId} enrolled in tenant ${identity.tenantId} for ${identity.domains.join(', ')}; key kept in ${config.dataDir}`);
}

/** The default file of the local SCIM listener's bearer token, in the agent's data folder. */
export const SCIM_TOKEN_FILE = 'scim-listen.token';

/** A new bearer token for the local SCIM listener, written 0600 where the admin can read it. */
function newScimToken(dataDir: string, file: string | undefined): { token: string; path: string } {
  const token = randomBytes(32).toString('base64url');
  const path = file ?? join(dataDir, SCIM_TOKEN_FILE);
  writePrivateFile(path, `${token}\n`);
  return { token, path };
}

export async function run(options: { config: string; scimListen?: string; scimTokenFile?: string }): Promise<void> {
  const config = loadAgentConfig(options.config);
  const identity = loadIdentity(config.dataDir);
  const privateKey = loadPrivateKey(config.dataDir);
  const serviceUrl = config.service.url ?? identity.serviceUrl;
  const unenrolled = config.domains.map((domain) => domain.name).filter((name) => !identity.domains.includes(name));
  if (unenrolled.length > 0) log(`canopy: warning: ${unenrolled.join(', ')} not enrolled; the service will not route them to this agent (enroll again to add domains)`);
  const domains = createAdDomains(config, process.env, {
    onBindRefused: (domain, message) => log(`canopy: AD of ${domain} refused the sync account's password (ERR_AD_INVALID_CREDENTIALS): ${message}; reads of ${domain} fail until ad.passwordFile holds the password AD has`),
  });
  const scimToken = options.scimListen ? newScimToken(config.dataDir, options.scimTokenFile) : undefined;
  const scimHttp = options.scimListen
    ? await startScimHttp({ ...parseListen(options.scimListen), token: scimToken!.token, handler: (request) => scimForPath(domains.scim, request) })
    : undefined;
  if (scimHttp) log(`canopy: local SCIM service (read-only) at ${scimHttp.url}; bearer token in ${scimToken!.path}`);
  const connection = new AgentConnection({
    serviceUrl,
    ca: config.service.caFile ? readFileSync(config.service.caFile) : undefined,
    identity,
    privateKey,
    version: CANOPY_VERSION,
    handler: createDispatch(domains.handlers),
  });
  // AD changes wake the service's jobs of the domain (a `changed` frame) instead of waiting for the schedule.
  const signals = startChangeSignals(config, domains.readers, (domain, reason) => connection.signalChange(domain, reason), {
    onWatchState: (domain, state, error) => {
      if (state === 'watching') log(`canopy: watching ${domain} for change notifications`);
      else if (state === 'closed' && error) log(`canopy: change notifications for ${domain} off: ${error.message}`);
      else if (state === 'waiting') log(`canopy: change notifications for ${domain} unavailable, retrying: ${error?.message ?? 'unknown error'}`);
    },
    onPollError: (domain, error, stopped) =>
      log(`canopy: DirSync change poll of ${domain} ${stopped ? 'stopped' : 'failed, retrying'}: ${error instanceof Error ? error.message : String(error)}`),
  });
  const stop = async (code: number): Promise<void> => {
    await signals.close();
    await connection.stop();
    await scimHttp?.close();
    await domains.close();
    process.exit(code);
  };
  connection.on('connected', () => log(`canopy: agent ${identity.agentId} connected to ${serviceUrl}`));
  connection.on('disconnected', ({ code, reason }: { code: number; reason: string }) => log(`canopy: disconnected (${code}${reason ? ` ${reason}` : ''})`));
  connection.on('refused', ({ code, message }: { code: string; message: string }) => log(`canopy: the service refused: ${code}: ${message}`));
  connection.on('error', (error: Error) => log(`canopy: ${error.message}`));
  connection.on('revoked', ({ message }: { message: string }) => {
    process.stderr.write(`canopy: ERR_RELAY_AGENT_REVOKED: ${message}\n`);
    void stop(3);
  });
  process.once('SIGTERM', () => void stop(0));
  process.once('SIGINT', () => void stop(0));
  connection.start();
}

/**
 * The local listener serves each domain under its name (/{domain}/Users…); with a single
 * domain, also at the root (/Users…), as docs/protocol.md shows it.
 */
function scimForPath(handlers: ReadonlyMap<string, ScimHandler>, request: ScimRequest): Promise<ScimResponse> {
  const [, first = '', ...rest] = request.path.split('/');
  const named = handlers.get(first.toLowerCase());
  if (named) return named({ ...request, path: `/${rest.join('/')}` });
  if (handlers.size === 1) return [...handlers.values()][0]!(request);
  const detail = `name the domain first: /{domain}${request.path}, one of ${[...handlers.keys()].join(', ')}`;
  return Promise.resolve({ status: 404, body: scimErrorBody(404, undefined, detail) });
}

export async function revoke(id: string, options: AdminOptions): Promise<void> {
  const client = await adminClient(options);
  const status = expectStatus(await client.call('POST', `${RELAY_PATHS.agents}/${encodeURIComponent(id)}/revoke`, {}), 200, `revoking agent ${id}`) as AgentStatus;
  log(`canopy: agent ${status.id} revoked at ${status.revokedAt}`);
}

export async function list(options: AdminOptions & { json?: boolean }): Promise<void> {
  const client = await adminClient(options);
  const { value } = expectStatus(await client.call('GET', RELAY_PATHS.agents), 200, 'listing agents') as { value: AgentStatus[] };
  if (options.json) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  else printAgents(value);
}
