// Sign-in for the portal: OAuth 2.0 authorization code with PKCE (RFC 7636, S256) against the
// tenant's OpenID Connect provider, tokens kept in this tab's sessionStorage only.
const TOKENS = 'canopy.portal.tokens';
const PENDING = 'canopy.portal.pending';
const GRAPH = 'https://graph.microsoft.com';

const base64url = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const randomText = (size) => base64url(crypto.getRandomValues(new Uint8Array(size)));
const redirectUri = () => new URL('/portal/', location.origin).href;
const endpoint = (config, path) => new URL(`/${config.tenantId}${path}`, location.origin).href;

export async function loadConfig() {
  const response = await fetch('config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`The portal's configuration did not load (HTTP ${response.status}).`);
  return response.json();
}

export async function signIn(config) {
  const verifier = randomText(32);
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  const state = randomText(16);
  sessionStorage.setItem(PENDING, JSON.stringify({ verifier, state, back: location.hash }));
  const url = new URL(endpoint(config, '/oauth2/v2.0/authorize'));
  url.search = new URLSearchParams({
    client_id: config.clientId,
    response_type: 'code',
    redirect_uri: redirectUri(),
    scope: config.scopes.join(' '),
    resource: GRAPH,
    // Asks for the grant each time (refresh tokens need it, OpenID Connect Core §11); a signed-in
    // session passes through without a form.
    prompt: 'consent',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
  }).toString();
  location.assign(url.href);
}

async function tokenRequest(config, form) {
  const response = await fetch(endpoint(config, '/oauth2/v2.0/token'), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: config.clientId, ...form }).toString(),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error_description || body.error || `The token request failed (HTTP ${response.status}).`);
  const tokens = { accessToken: body.access_token, refreshToken: body.refresh_token, idToken: body.id_token, expiresAt: Date.now() + body.expires_in * 1000 };
  sessionStorage.setItem(TOKENS, JSON.stringify(tokens));
  return tokens;
}

/** After the provider sent the browser back with ?code=…&state=…: the code for tokens. */
export async function completeSignIn(config) {
  const params = new URLSearchParams(location.search);
  if (!params.has('code') && !params.has('error')) return;
  const pending = JSON.parse(sessionStorage.getItem(PENDING) ?? 'null');
  sessionStorage.removeItem(PENDING);
  history.replaceState(null, '', `/portal/${pending?.back ?? ''}`);
  if (params.has('error')) throw new Error(`Sign-in failed: ${params.get('error_description') ?? params.get('error')}`);
  if (!pending || pending.state !== params.get('state')) throw new Error('Sign-in failed: the answer does not belong to this browser tab. Sign in again.');
  await tokenRequest(config, { grant_type: 'authorization_code', code: params.get('code'), redirect_uri: redirectUri(), code_verifier: pending.verifier });
}

export function currentTokens() {
  return JSON.parse(sessionStorage.getItem(TOKENS) ?? 'null');
}

/** The access token, refreshed a minute before it expires. */
export async function accessToken(config) {
  const tokens = currentTokens();
  if (!tokens) return undefined;
  if (tokens.expiresAt - Date.now() > 60_000) return tokens.accessToken;
  if (!tokens.refreshToken) return undefined;
  try {
    return (await tokenRequest(config, { grant_type: 'refresh_token', refresh_token: tokens.refreshToken })).accessToken;
  } catch {
    sessionStorage.removeItem(TOKENS);
    return undefined;
  }
}

/** Who signed in, from the ID token (already checked by the provider that issued it to us). */
export function signedInUser() {
  const tokens = currentTokens();
  if (!tokens?.idToken) return undefined;
  const part = tokens.idToken.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
  return JSON.parse(atob(part));
}

export function signOut(config) {
  const tokens = currentTokens();
  sessionStorage.removeItem(TOKENS);
  const url = new URL(endpoint(config, '/oauth2/v2.0/logout'));
  url.search = new URLSearchParams({ client_id: config.clientId, post_logout_redirect_uri: redirectUri(), ...(tokens?.idToken ? { id_token_hint: tokens.idToken } : {}) }).toString();
  location.assign(url.href);
}
