/**
 * Run as a child process with NODE_EXTRA_CA_CERTS set to the test CA: signs users in with
 * @azure/msal-node's acquireTokenByUsernamePassword (a public client, the Azure CLI's id, as
 * `az login -u … -p …` does), one fresh PublicClientApplication per attempt so no cache
 * answers. Prints one JSON line: per attempt, the account and claims, or the error.
 *   CANOPY_API_URL, CANOPY_TENANT, CANOPY_ATTEMPTS ([{ "username", "password" }])
 */
import { PublicClientApplication } from '@azure/msal-node';
import { requiredEnv } from '../../support/graph-sdk-client.ts';

const apiUrl = requiredEnv('CANOPY_API_URL');
const tenant = requiredEnv('CANOPY_TENANT');
const attempts = JSON.parse(requiredEnv('CANOPY_ATTEMPTS')) as { username: string; password: string }[];
const AZURE_CLI = '04b07795-8ddb-461a-bbee-02f9e1bf7b46';

const results = [];
for (const { username, password } of attempts) {
  const msal = new PublicClientApplication({ auth: { clientId: AZURE_CLI, authority: `${apiUrl}/${tenant}`, knownAuthorities: [new URL(apiUrl).host] } });
  try {
    const result = await msal.acquireTokenByUsernamePassword({ scopes: ['User.Read'], username, password });
    const claims = JSON.parse(Buffer.from(result!.accessToken.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    const me = await fetch(`${apiUrl}/v1.0/organization`, { headers: { authorization: `Bearer ${result!.accessToken}` } });
    const users = await fetch(`${apiUrl}/v1.0/users`, { headers: { authorization: `Bearer ${result!.accessToken}` } });
    results.push({
      ok: true,
      username: result!.account?.username,
      homeAccountId: result!.account?.homeAccountId,
      idTokenOid: result!.idTokenClaims && (result!.idTokenClaims as { oid?: string }).oid,
      scopes: result!.scopes,
      claims: { oid: claims.oid, tid: claims.tid, idtyp: claims.idtyp, scp: claims.scp, roles: claims.roles ?? null, aud: claims.aud },
      organizationStatus: me.status,
      usersStatus: users.status,
    });
  } catch (error) {
    results.push({ ok: false, errorCode: (error as { errorCode?: string }).errorCode, message: (error as Error).message });
  }
}
process.stdout.write(`${JSON.stringify(results)}\n`);
