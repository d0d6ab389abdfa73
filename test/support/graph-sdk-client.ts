/**
 * The Microsoft Graph SDK client the child-process scripts drive the API with, as an admin
 * script would: client credentials from CANOPY_CLIENT_ID / CANOPY_CLIENT_SECRET against
 * CANOPY_API_URL's token endpoint for CANOPY_TENANT_ID. Run with NODE_EXTRA_CA_CERTS set to
 * the test CA (Node 20's fetch takes no CA in process). Every request that follows an
 * @odata.nextLink is recorded, to prove paging happened over the wire.
 */
import { Client } from '@microsoft/microsoft-graph-client';

export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

export interface GraphSdkClient {
  readonly client: Client;
  /** URLs of the requests that carried a $skiptoken, in order. */
  readonly nextLinkRequests: readonly string[];
  /** How many access tokens the SDK asked for. */
  tokenRequests(): number;
}

export function graphSdkClient(): GraphSdkClient {
  const apiUrl = requiredEnv('CANOPY_API_URL');
  const tenantId = requiredEnv('CANOPY_TENANT_ID');
  const nextLinkRequests: string[] = [];
  let tokens = 0;
  const realFetch = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (url.includes('$skiptoken=')) nextLinkRequests.push(url);
    return realFetch(input, init);
  };
  const client = Client.init({
    baseUrl: apiUrl,
    defaultVersion: 'v1.0',
    // The SDK only sends its auth header to hosts it knows; ours is added here.
    customHosts: new Set([new URL(apiUrl).hostname]),
    authProvider: (done) => {
      tokens += 1;
      fetch(`${apiUrl}/${tenantId}/oauth2/v2.0/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: requiredEnv('CANOPY_CLIENT_ID'),
          client_secret: requiredEnv('CANOPY_CLIENT_SECRET'),
          scope: 'https://graph.microsoft.com/.default',
        }),
      })
        .then(async (response) => done(null, ((await response.json()) as { access_token: string }).access_token))
        .catch((error: Error) => done(error, null));
    },
  });
  return { client, nextLinkRequests, tokenRequests: () => tokens };
}
