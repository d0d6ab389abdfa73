// The portal's only way to the service: the public Graph API, with the signed-in admin's token.
import { accessToken } from './auth.js';

export class GraphRequestError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function createGraph(config, onSignedOut) {
  return async function graph(path, { method = 'GET', body } = {}) {
    const token = await accessToken(config);
    if (!token) {
      onSignedOut();
      throw new GraphRequestError(401, 'SignedOut', 'Your sign-in has ended. Sign in again.');
    }
    const response = await fetch(path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 204) return undefined;
    const json = await response.json().catch(() => undefined);
    if (!response.ok) {
      const error = json?.error ?? {};
      if (response.status === 401) onSignedOut();
      throw new GraphRequestError(response.status, error.code ?? 'Error', error.message ?? `HTTP ${response.status}`);
    }
    return json;
  };
}

/** An OData string literal: single quotes doubled (OData ABNF, SQUOTE-in-string). */
export const odataString = (text) => `'${String(text).replace(/'/g, "''")}'`;
