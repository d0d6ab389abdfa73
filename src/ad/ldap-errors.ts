/**
 * Turns what ldapts and Node's sockets throw into CanopyErrors whose code names the
 * cause. The original error is kept as `cause`.
 */
import { ResultCodeError } from 'ldapts';
import { CanopyError } from '../core/errors.ts';

/** LDAP result codes the reader tells apart (RFC 4511 appendix A). */
export const ResultCode = {
  timeLimitExceeded: 3,
  strongerAuthRequired: 8,
  referral: 10,
  unavailableCriticalExtension: 12,
  confidentialityRequired: 13,
  noSuchObject: 32,
  invalidCredentials: 49,
  insufficientAccessRights: 50,
  busy: 51,
  unavailable: 52,
  unwillingToPerform: 53,
} as const;

export function ldapResultCode(error: unknown): number | undefined {
  return error instanceof ResultCodeError ? error.code : undefined;
}

/** Node TLS verification codes that mean "issued by a CA we do not trust". */
const UNTRUSTED_CERT_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

const OTHER_TLS_CODES = new Set(['ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_REVOKED', 'EPROTO']);

export type ConnectFailureKind = 'credentials' | 'tls-untrusted' | 'tls' | 'timeout' | 'unreachable' | 'protocol';

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Classifies a failure to connect, upgrade or bind to one DC URL. */
export function classifyConnectFailure(error: unknown): ConnectFailureKind {
  const result = ldapResultCode(error);
  if (result === ResultCode.invalidCredentials) return 'credentials';
  if (result === ResultCode.strongerAuthRequired || result === ResultCode.confidentialityRequired) return 'tls';
  if (result !== undefined) return 'protocol';
  const code = errorCode(error);
  if (code && UNTRUSTED_CERT_CODES.has(code)) return 'tls-untrusted';
  if (code && (OTHER_TLS_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_'))) return 'tls';
  const message = error instanceof Error ? error.message : String(error);
  if (/timeout|timed out/i.test(message) || code === 'ETIMEDOUT') return 'timeout';
  return 'unreachable';
}

export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = errorCode(error);
  const first = error.message.split('\n')[0] ?? '';
  return code && !first.includes(code) ? `${first} (${code})` : first;
}

/** Maps a failed LDAP operation (search, read) to a coded error. */
export function toCanopyError(error: unknown, what: string): CanopyError {
  if (error instanceof CanopyError) return error;
  const result = ldapResultCode(error);
  const detail = describeError(error);
  switch (result) {
    case ResultCode.insufficientAccessRights:
      return new CanopyError('ERR_AD_INSUFFICIENT_RIGHTS', `${what}: the account lacks the rights (${detail})`, { cause: error });
    case ResultCode.noSuchObject:
    case ResultCode.referral:
      return new CanopyError('ERR_AD_NO_SUCH_OBJECT', `${what}: no such object on this DC (${detail})`, { cause: error });
    case ResultCode.timeLimitExceeded:
      return new CanopyError('ERR_AD_TIMEOUT', `${what}: the DC's time limit was exceeded (${detail})`, { cause: error });
    case undefined:
      break;
    default:
      return new CanopyError('ERR_AD_PROTOCOL', `${what}: LDAP error ${result} (${detail})`, { cause: error });
  }
  const kind = classifyConnectFailure(error);
  if (kind === 'timeout') return new CanopyError('ERR_AD_TIMEOUT', `${what}: timed out (${detail})`, { cause: error });
  if (kind === 'unreachable') return new CanopyError('ERR_AD_UNREACHABLE', `${what}: the connection to the DC failed (${detail})`, { cause: error });
  return new CanopyError('ERR_AD_PROTOCOL', `${what}: ${detail}`, { cause: error });
}
