import { ERROR } from './urns.ts';

/**
 * The scimType values of RFC 7644 §3.12 (Table 9), plus the cursor errors of RFC 9865 §2.4.
 * RFC 7644 defines scimType only for status 400 (and 409 for uniqueness); other statuses
 * (404, 405, 500, …) carry none.
 */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive'
  // RFC 9865 (cursor-based pagination)
  | 'invalidCursor'
  | 'expiredCursor'
  | 'invalidCount';

/** The JSON body of a SCIM error (RFC 7644 §3.12). `status` is a string there. */
export interface ScimErrorBody {
  readonly schemas: readonly [typeof ERROR];
  readonly status: string;
  readonly scimType?: ScimType;
  readonly detail?: string;
}

/**
 * A SCIM protocol error: the HTTP status and scimType it answers with (RFC 7644 §3.12).
 * Thrown by the protocol layer and by handlers; the transport edge turns it into a body
 * with `toBody()`. Named after the RFC's own message ("SCIMError" in scimmy).
 */
export class ScimError extends Error {
  override readonly name = 'ScimError';
  readonly status: number;
  readonly scimType: ScimType | undefined;

  constructor(status: number, scimType: ScimType | undefined, detail: string, options?: { cause?: unknown }) {
    super(detail, options);
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new TypeError(`ScimError status must be a 4xx or 5xx integer, got ${status}`);
    }
    this.status = status;
    this.scimType = scimType;
  }

  toBody(): ScimErrorBody {
    return scimErrorBody(this.status, this.scimType, this.message);
  }
}

export function scimErrorBody(status: number, scimType: ScimType | undefined, detail: string): ScimErrorBody {
  return {
    schemas: [ERROR],
    status: String(status),
    ...(scimType === undefined ? {} : { scimType }),
    detail,
  };
}

export function isScimError(error: unknown): error is ScimError {
  return error instanceof ScimError;
}

/** Shorthands for the errors this service raises, so call sites read like the RFC table. */
export const scimErrors = {
  invalidFilter: (detail: string, cause?: unknown) => new ScimError(400, 'invalidFilter', detail, { cause }),
  invalidValue: (detail: string) => new ScimError(400, 'invalidValue', detail),
  invalidSyntax: (detail: string) => new ScimError(400, 'invalidSyntax', detail),
  invalidPath: (detail: string) => new ScimError(400, 'invalidPath', detail),
  tooMany: (detail: string) => new ScimError(400, 'tooMany', detail),
  invalidCursor: (detail: string) => new ScimError(400, 'invalidCursor', detail),
  expiredCursor: (detail: string) => new ScimError(400, 'expiredCursor', detail),
  invalidCount: (detail: string) => new ScimError(400, 'invalidCount', detail),
  notFound: (detail: string) => new ScimError(404, undefined, detail),
  methodNotAllowed: (detail: string) => new ScimError(405, undefined, detail),
  notImplemented: (detail: string) => new ScimError(501, undefined, detail),
  internal: (detail: string, cause?: unknown) => new ScimError(500, undefined, detail, { cause }),
  unavailable: (detail: string, cause?: unknown) => new ScimError(503, undefined, detail, { cause }),
} as const;
