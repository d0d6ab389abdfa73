/**
 * Real HTTP against a running `canopy serve`: a token from the token endpoint with the
 * admin credentials of DIR/bootstrap.json (client credentials, RFC 6749 §4.4), then Graph
 * calls with it. Enabling a domain is done the way Entra's docs do it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { httpJson, type JsonResponse } from '../../../src/agent/http-json.ts';

export interface Credentials {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

export function readBootstrap(dataDir: string): Credentials & { apiUrl: string } {
  return JSON.parse(readFileSync(join(dataDir, 'bootstrap.json'), 'utf8')) as Credentials & { apiUrl: string };
}

export async function requestToken(url: string, credentials: Credentials, ca?: Buffer): Promise<JsonResponse> {
  return httpJson(`${url}/${encodeURIComponent(credentials.tenantId)}/oauth2/v2.0/token`, {
    form: { grant_type: 'client_credentials', client_id: credentials.clientId, client_secret: credentials.clientSecret, scope: 'https://graph.microsoft.com/.default' },
    ca,
  });
}

type Json = Record<string, unknown>;

export class GraphClient {
  #token: string | undefined;
  constructor(readonly url: string, readonly credentials: Credentials, readonly ca?: Buffer) {}

  async token(): Promise<string> {
    if (this.#token) return this.#token;
    const answer = await requestToken(this.url, this.credentials, this.ca);
    const token = (answer.body as { access_token?: string }).access_token;
    if (answer.status !== 200 || !token) throw new Error(`token request failed (${answer.status}): ${JSON.stringify(answer.body)}`);
    this.#token = token;
    return token;
  }

  /** One call; `path` is relative to the service (/v1.0/…) or an absolute nextLink. */
  async call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<JsonResponse> {
    const target = path.startsWith('http') ? path : `${this.url}${path}`;
    return httpJson(target, { method, body, ca: this.ca, headers: { authorization: `Bearer ${await this.token()}`, ...headers }, timeoutMs: 120_000 });
  }

  /** A call that must answer `status`; returns its body. */
  async expect(status: number, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Json> {
    const answer = await this.call(method, path, body, headers);
    if (answer.status !== status) throw new Error(`${method} ${path}: expected ${status}, got ${answer.status}: ${JSON.stringify(answer.body)}`);
    return (answer.body ?? {}) as Json;
  }

  get(path: string, headers?: Record<string, string>): Promise<Json> {
    return this.expect(200, 'GET', path, undefined, headers);
  }

  /** Every item of a collection, following @odata.nextLink; `pages` counts the requests. */
  async *all<T = Json>(path: string, headers?: Record<string, string>, pages?: { count: number }): AsyncGenerator<T> {
    let next: string | undefined = path;
    while (next) {
      const body = await this.get(next, headers);
      if (pages) pages.count++;
      for (const item of body.value as T[]) yield item;
      next = body['@odata.nextLink'] as string | undefined;
    }
  }
}

export const CLOUD_SYNC_SP_FILTER = "startswith(displayName,'Active Directory to Azure Active Directory Provisioning')";

export interface EnabledJob {
  readonly spId: string;
  readonly jobId: string;
}

/**
 * POST jobs {templateId: AD2AADProvisioning}, PUT secrets Domain, scope the job to OUs
 * through its schema's containerFilter (GET schema, edit, PUT), and start it unless told not to.
 */
export async function enableDomain(graph: GraphClient, options: { domain: string; containers: readonly string[]; start?: boolean }): Promise<EnabledJob> {
  const principals = await graph.get(`/v1.0/servicePrincipals?$filter=${encodeURIComponent(CLOUD_SYNC_SP_FILTER)}`);
  const spId = (principals.value as { id: string }[])[0]!.id;
  const base = `/v1.0/servicePrincipals/${spId}/synchronization`;
  const job = await graph.expect(201, 'POST', `${base}/jobs`, { templateId: 'AD2AADProvisioning' });
  const jobId = job.id as string;
  await graph.expect(204, 'PUT', `${base}/secrets`, { value: [{ key: 'Domain', value: JSON.stringify({ domain: options.domain }) }] });
  const schema = await graph.get(`${base}/jobs/${jobId}/schema`);
  const rules = schema.synchronizationRules as { containerFilter?: { includedContainers: readonly string[] } }[];
  rules[0]!.containerFilter = { includedContainers: options.containers };
  await graph.expect(204, 'PUT', `${base}/jobs/${jobId}/schema`, schema);
  if (options.start !== false) await graph.expect(204, 'POST', `${base}/jobs/${jobId}/start`);
  return { spId, jobId };
}

export interface Execution {
  activityIdentifier: string;
  state: string;
  timeBegan: string;
  timeEnded: string;
  countImported: number;
  countExported: number;
  countEscrowed: number;
  error: { code: string; message: string } | null;
}

export function jobPath(job: EnabledJob): string {
  return `/v1.0/servicePrincipals/${job.spId}/synchronization/jobs/${job.jobId}`;
}

/** Waits until the job's status.lastExecution is a cycle that began at or after `since`. */
export async function waitForCycle(graph: GraphClient, job: EnabledJob, since: Date, timeoutMs = 180_000): Promise<Execution> {
  const deadline = Date.now() + timeoutMs;
  let last: Execution | null = null;
  while (Date.now() < deadline) {
    const body = await graph.get(jobPath(job)).catch(() => undefined);
    last = ((body?.status as { lastExecution?: Execution | null } | undefined)?.lastExecution) ?? last;
    if (last && Date.parse(last.timeBegan) >= since.getTime() - 5) return last;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`no cycle of ${job.jobId} began after ${since.toISOString()} and ended within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
}

/** POST start (runs a cycle at once) and waits for that cycle's end. */
export async function runCycleNow(graph: GraphClient, job: EnabledJob, timeoutMs?: number): Promise<Execution> {
  const since = new Date();
  await graph.expect(204, 'POST', `${jobPath(job)}/start`);
  return waitForCycle(graph, job, since, timeoutMs);
}
