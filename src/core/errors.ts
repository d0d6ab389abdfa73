/**
 * Coded errors shared by every part. A code is never reused for another meaning; HTTP or
 * SCIM status is chosen at the edge (api, scim), never encoded here.
 */
export type CanopyErrorCode =
  // ad
  | 'ERR_AD_INVALID_CREDENTIALS'
  | 'ERR_AD_UNREACHABLE'
  | 'ERR_AD_TLS_UNTRUSTED'
  | 'ERR_AD_TLS'
  | 'ERR_AD_BASE_DN_OUTSIDE_DOMAIN'
  | 'ERR_AD_NO_SUCH_OBJECT'
  | 'ERR_AD_TIMEOUT'
  | 'ERR_AD_INSUFFICIENT_RIGHTS'
  | 'ERR_AD_WATERMARK_INVALID'
  | 'ERR_AD_PROTOCOL'
  | 'ERR_AD_FILTER_INVALID'
  // directory (the cloud store)
  | 'ERR_DIRECTORY_CONFLICT'
  | 'ERR_DIRECTORY_NOT_FOUND'
  // api authentication
  | 'ERR_AUTH_TOKEN_INVALID'
  | 'ERR_AUTH_TOKEN_EXPIRED'
  // configuration
  | 'ERR_CONFIG_INVALID'
  // relay and agent
  | 'ERR_RELAY_TOKEN_INVALID'
  | 'ERR_RELAY_TOKEN_EXPIRED'
  | 'ERR_RELAY_TOKEN_USED'
  | 'ERR_RELAY_ASSERTION_INVALID'
  | 'ERR_RELAY_AGENT_REVOKED'
  | 'ERR_RELAY_NO_AGENT'
  | 'ERR_RELAY_TIMEOUT'
  | 'ERR_RELAY_FRAME_TOO_LARGE'
  | 'ERR_RELAY_FRAME_MALFORMED'
  | 'ERR_RELAY_AGENT_LOST'
  // cli: an admin call the service answered with an error
  | 'ERR_CLI_REQUEST_FAILED'
  // engine
  | 'ERR_ENGINE_SCHEMA_INVALID'
  | 'ERR_ENGINE_DURATION_INVALID'
  | 'ERR_ENGINE_MATCH_CONFLICT'
  | 'ERR_ENGINE_MAPPING'
  | 'ERR_ENGINE_SOURCE_INVALID'
  | 'ERR_ENGINE_SOURCE_DENIED'
  | 'ERR_ENGINE_SCHEDULER_STOPPED'
  | 'ERR_ENGINE_LEASE_LOST'
  | 'ERR_ENGINE_ON_DEMAND_INVALID'
  | 'ERR_ENGINE_OBJECT_NOT_FOUND';

export class CanopyError extends Error {
  override readonly name = 'CanopyError';
  readonly code: CanopyErrorCode;

  constructor(code: CanopyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

// Generic in the code so that a false result with a code does not narrow a CanopyError away.
export function isCanopyError<C extends CanopyErrorCode = CanopyErrorCode>(error: unknown, code?: C): error is CanopyError & { readonly code: C } {
  return error instanceof CanopyError && (code === undefined || error.code === code);
}
