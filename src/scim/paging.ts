/**
 * Index paging (RFC 7644 §3.4.2.4) and the cursor query parameter (RFC 9865 §2.1).
 */
import { scimErrors } from './scim-error.ts';

export interface PagingLimits {
  /** Items per page when the client sends no `count`. */
  readonly defaultPageSize: number;
  /** Largest page served; a larger `count` is clamped to it (RFC 7644 §3.4.2.4). */
  readonly maxPageSize: number;
}

export type Paging =
  | { readonly mode: 'index'; readonly startIndex: number; readonly count: number }
  /** `cursor` is '' for the first page (RFC 9865 §2.1: present and empty). */
  | { readonly mode: 'cursor'; readonly cursor: string; readonly count: number };

/**
 * Reads startIndex, count and cursor from a query. RFC 7644 §3.4.2.4: startIndex is
 * 1-based and a value below 1 means 1; a negative count means 0; a count above the
 * maximum is served as the maximum. Values that are not integers are a 400 invalidValue.
 * RFC 9865 §2.1: startIndex and cursor together are a 400.
 */
export function parsePaging(query: Readonly<Record<string, string | undefined>>, limits: PagingLimits): Paging {
  const rawCount = query.count;
  let count = limits.defaultPageSize;
  if (rawCount !== undefined) {
    const parsed = parseInteger('count', rawCount);
    count = Math.min(Math.max(parsed, 0), limits.maxPageSize);
  }
  const cursor = query.cursor;
  if (cursor !== undefined) {
    if (query.startIndex !== undefined) {
      throw scimErrors.invalidValue('startIndex and cursor cannot be used in the same request (RFC 9865 §2.1)');
    }
    return { mode: 'cursor', cursor, count };
  }
  const startIndex = query.startIndex === undefined ? 1 : Math.max(parseInteger('startIndex', query.startIndex), 1);
  return { mode: 'index', startIndex, count };
}

function parseInteger(name: string, raw: string): number {
  if (!/^[+-]?\d{1,15}$/.test(raw.trim())) throw scimErrors.invalidValue(`${name} must be an integer, got "${raw}"`);
  return Number.parseInt(raw.trim(), 10);
}
