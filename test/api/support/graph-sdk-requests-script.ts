/**
 * Sends a list of Graph requests through Microsoft's Graph JS SDK, authenticated by
 * @azure/identity's ClientSecretCredential against the service's own authority, and prints
 * what each answered as one JSON line. Run as a child process with NODE_EXTRA_CA_CERTS set
 * to the test CA. GRAPH_REQUESTS is a JSON array of { name, method?, path, headers?, body? };
 * the path carries its query string as a script would write it (`/users?$select=…`).
 * `{{name.id}}` in a path or body stands for the id an earlier request `name` answered
 * (a group the script just created, say).
 */
import { ClientSecretCredential } from '@azure/identity';
import { Client } from '@microsoft/microsoft-graph-client';
import { TokenCredentialAuthenticationProvider } from '@microsoft/microsoft-graph-client/authProviders/azureTokenCredentials/index.js';
import { requiredEnv } from '../../support/graph-sdk-client.ts';

interface GraphRequest {
  readonly name: string;
  readonly method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
}

const apiUrl = requiredEnv('CANOPY_API_URL');
const credential = new ClientSecretCredential(requiredEnv('CANOPY_TENANT_ID'), requiredEnv('CANOPY_CLIENT_ID'), requiredEnv('CANOPY_CLIENT_SECRET'), {
  authorityHost: apiUrl,
  disableInstanceDiscovery: true,
});
const client = Client.initWithMiddleware({
  baseUrl: apiUrl,
  defaultVersion: 'v1.0',
  customHosts: new Set([new URL(apiUrl).hostname]),
  authProvider: new TokenCredentialAuthenticationProvider(credential, { scopes: ['https://graph.microsoft.com/.default'] }),
});

const answers: Record<string, { status: number; body?: unknown; code?: string; message?: string; requestId?: string; date?: string }> = {};
const earlierIds = (text: string) => text.replace(/\{\{(\w+)\.id\}\}/g, (_, name: string) => String((answers[name]?.body as { id?: string } | undefined)?.id));
for (const template of JSON.parse(requiredEnv('GRAPH_REQUESTS')) as GraphRequest[]) {
  const request = JSON.parse(earlierIds(JSON.stringify(template))) as GraphRequest;
  let call = client.api(request.path);
  for (const [name, value] of Object.entries(request.headers ?? {})) call = call.header(name, value);
  try {
    const method = request.method ?? 'GET';
    const body: unknown = method === 'GET' ? await call.get()
      : method === 'POST' ? await call.post(request.body ?? {})
        : method === 'PATCH' ? await call.patch(request.body ?? {})
          : await call.delete();
    answers[request.name] = { status: body === undefined || body === null ? 204 : method === 'POST' ? 201 : 200, body };
  } catch (error) {
    const e = error as { statusCode: number; code: string; message: string; requestId?: string | null; date?: Date };
    answers[request.name] = { status: e.statusCode, code: e.code, message: e.message, requestId: e.requestId ?? undefined, date: e.date?.toISOString() };
  }
}
process.stdout.write(`${JSON.stringify(answers)}\n`);
