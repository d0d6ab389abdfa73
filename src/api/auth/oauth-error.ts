/** Token endpoint errors: RFC 6749 §5.2 codes with Entra's AADSTS number. */
export type OAuthErrorCode = 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unsupported_grant_type' | 'invalid_scope' | 'temporarily_unavailable' | 'server_error';

export class OAuthError extends Error {
  /**
   * `retryAfterSeconds`: only with temporarily_unavailable, sent as Retry-After. `httpStatus`:
   * a status the code alone does not give (the server's own 413, 404, 500).
   */
  constructor(readonly error: OAuthErrorCode, readonly aadsts: number, description: string, readonly retryAfterSeconds?: number, readonly httpStatus?: number) {
    super(`AADSTS${aadsts}: ${description}`);
  }

  get status(): number {
    if (this.httpStatus !== undefined) return this.httpStatus;
    // RFC 6749 §5.2: 401 when client authentication failed, 400 otherwise; throttled: 429 (RFC 6585 §4).
    if (this.error === 'temporarily_unavailable') return 429;
    if (this.error === 'server_error') return 500;
    return this.error === 'invalid_client' ? 401 : 400;
  }
}

export const missingParameter = (name: string) => new OAuthError('invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`);
