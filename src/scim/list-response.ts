import { LIST_RESPONSE } from './urns.ts';

/**
 * A query response (RFC 7644 §3.4.2). totalResults, Resources (when non-empty),
 * startIndex and itemsPerPage when paginated. nextCursor/previousCursor come from
 * RFC 9865 §2.2 when the client paged with a cursor.
 */
export interface ListResponse<R> {
  readonly schemas: readonly [typeof LIST_RESPONSE];
  readonly totalResults: number;
  readonly itemsPerPage: number;
  readonly startIndex?: number;
  readonly nextCursor?: string;
  readonly previousCursor?: string;
  readonly Resources: readonly R[];
}

export function listResponse<R>(
  resources: readonly R[],
  page: { totalResults: number; startIndex?: number; nextCursor?: string; previousCursor?: string },
): ListResponse<R> {
  return {
    schemas: [LIST_RESPONSE],
    totalResults: page.totalResults,
    itemsPerPage: resources.length,
    ...(page.startIndex === undefined ? {} : { startIndex: page.startIndex }),
    ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }),
    ...(page.previousCursor === undefined ? {} : { previousCursor: page.previousCursor }),
    // RFC 7644 §3.4.2: Resources is REQUIRED if totalResults is non-zero; we always send it.
    Resources: resources,
  };
}
