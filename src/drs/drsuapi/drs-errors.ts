/**
 * Errors of the replication layer, each with a code from a fixed union so callers can
 * narrow them. The missing-right case names the right an administrator has to grant.
 */
import { Werror } from './drs-constants.ts';

export type DrsErrorCode = 'ERR_DRS_LOGON_FAILED' | 'ERR_DRS_MISSING_RIGHT' | 'ERR_DRS_CALL_FAILED' | 'ERR_DRS_SECRET_CHECKSUM' | 'ERR_DRS_BAD_REPLY';

export class DrsError extends Error {
  override readonly name = 'DrsError';

  constructor(readonly code: DrsErrorCode, message: string, readonly werror?: number, options?: ErrorOptions) {
    super(message, options);
  }
}

export function werrorText(code: number): string {
  switch (code) {
    case Werror.DS_DRA_ACCESS_DENIED: return 'WERR_DS_DRA_ACCESS_DENIED';
    case Werror.DS_DRA_BAD_DN: return 'WERR_DS_DRA_BAD_DN';
    case Werror.DS_DRA_BAD_NC: return 'WERR_DS_DRA_BAD_NC';
    case Werror.ACCESS_DENIED: return 'WERR_ACCESS_DENIED';
    default: return `WERROR 0x${code.toString(16).padStart(8, '0')}`;
  }
}
