/**
 * The CLI's admin calls: read the service's admin credentials from bootstrap.json
 * (written by `canopy serve --data DIR` on first start), get an access token with the
 * client-credentials grant (RFC 6749 §4.4) and call the service with it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CanopyError } from '../core/errors.ts';
import { readSecretFile } from '../core/private-files.ts';
import { errorText, httpJson, type JsonResponse } from '../agent/http-json.ts';

export interface AdminOptions {
  readonly data?: string;
  readonly bootstrap?: string;
  readonly caFile?: string;
}

interface Bootstrap {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  apiUrl: string;
}

export interface AdminClient {
  readonly apiUrl: string;
  readonly tenantId: string;
  call(method: string, path: string, body?: unknown): Promise<JsonResponse>;
}

function readBootstrap(options: AdminOptions): Bootstrap {
  const dataDir = options.data ?? process.env.CANOPY_DATA_DIR;
  const file = options.bootstrap ?? process.env.CANOPY_BOOTSTRAP_FILE ?? (dataDir && join(dataDir, 'bootstrap.json'));
  if (!file) throw new CanopyError('ERR_CONFIG_INVALID', '--data DIR or --bootstrap FILE: say where the service\'s admin credentials (bootstrap.json) are');
  try {
    return JSON.parse(readSecretFile(file, '--bootstrap').toString('utf8')) as Bootstrap;
  } catch (error) {
    throw new CanopyError('ERR_CONFIG_INVALID', `--bootstrap: cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
}

export async function adminClient(options: AdminOptions): Promise<AdminClient> {
  const bootstrap = readBootstrap(options);
  const caPath = options.caFile ?? process.env.CANOPY_CA_FILE;
  const ca = caPath ? readFileSync(caPath) : undefined;
  const tokenUrl = new URL(`/${encodeURIComponent(bootstrap.tenantId)}/oauth2/v2.0/token`, bootstrap.apiUrl).toString();
  const answer = await httpJson(tokenUrl, {
    form: { grant_type: 'client_credentials', client_id: bootstrap.clientId, client_secret: bootstrap.clientSecret, scope: 'https://graph.microsoft.com/.default' },
    ca,
  });
  const accessToken = (answer.body as { access_token?: string } | undefined)?.access_token;
  if (answer.status !== 200 || !accessToken) {
    throw new CanopyError('ERR_AUTH_TOKEN_INVALID', `the service refused the admin credentials (HTTP ${answer.status}): ${JSON.stringify(answer.body)}`);
  }
  return {
    apiUrl: bootstrap.apiUrl,
    tenantId: bootstrap.tenantId,
    call: (method, path, body) => httpJson(new URL(path, bootstrap.apiUrl).toString(), { method, body, ca, headers: { authorization: `Bearer ${accessToken}` } }),
  };
}

/** The body of a successful answer, or an error naming the call and the service's message. */
export function expectStatus(answer: JsonResponse, status: number, what: string): unknown {
  if (answer.status !== status) throw new CanopyError('ERR_CLI_REQUEST_FAILED', `${what} failed (HTTP ${answer.status}): ${errorText(answer.body)}`);
  return answer.body;
}
