/**
 * Cursors for /Users and /Groups (RFC 9865): opaque to the client, validated here. A
 * cursor holds the next offset, the resource type, a hash of the filter it belongs to,
 * when it was issued, the total counted on the first page and the id of the open read
 * (list-sessions.ts) that continues after that offset on the agent that issued it —
 * nothing a client could not ask for with startIndex — so it is authenticated (HMAC) to
 * catch corruption and misuse, not kept secret. Without its open read (an agent restart,
 * another agent of the domain, a retried cursor) it is still served, by searching again
 * and skipping to the offset; with the default key any agent of the domain accepts it.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { scimErrors } from '../../scim/scim-error.ts';

export interface CursorState {
  readonly resourceType: 'User' | 'Group';
  /** 0-based offset of the next item. */
  readonly offset: number;
  readonly query: string;
  /** Seconds since the epoch. */
  readonly issuedAt: number;
  /** totalResults as counted on the first page. */
  readonly total: number;
  /** The open read continuing at `offset`, on the agent that issued the cursor. */
  readonly session?: string;
}

/** Default HMAC key: cursors are integrity-checked, not secret (see above). */
export const DEFAULT_CURSOR_KEY = 'canopy scim cursor v1';

export function queryHash(filter: string | undefined): string {
  return createHash('sha256').update(filter ?? '').digest('base64url').slice(0, 16);
}

function mac(key: string, payload: string): string {
  return createHmac('sha256', key).update(payload).digest('base64url').slice(0, 22);
}

export function encodeCursor(state: CursorState, key: string): string {
  const payload = Buffer.from(JSON.stringify([state.resourceType, state.offset, state.query, state.issuedAt, state.total, state.session ?? null])).toString('base64url');
  return `${payload}.${mac(key, payload)}`;
}

/** RFC 9865 §2.4: an unusable cursor is 400 invalidCursor, an old one 400 expiredCursor. */
export function decodeCursor(cursor: string, key: string, expected: { resourceType: 'User' | 'Group'; query: string; now: number; timeoutSeconds: number }): CursorState {
  const [payload, signature, extra] = cursor.split('.');
  if (!payload || !signature || extra !== undefined || !safeEqual(signature, mac(key, payload))) {
    throw scimErrors.invalidCursor('cursor is not one this service issued');
  }
  const parsed: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  if (!Array.isArray(parsed) || parsed.length !== 6) throw scimErrors.invalidCursor('cursor is malformed');
  const [resourceType, offset, query, issuedAt, total, session] = parsed as unknown[];
  if (resourceType !== expected.resourceType || query !== expected.query) {
    throw scimErrors.invalidCursor('cursor belongs to another query; send the same filter, or start over with an empty cursor');
  }
  const count = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
  if (!count(offset) || !count(total) || typeof issuedAt !== 'number' || (session !== null && typeof session !== 'string')) {
    throw scimErrors.invalidCursor('cursor is malformed');
  }
  if (expected.now - issuedAt > expected.timeoutSeconds) throw scimErrors.expiredCursor('cursor has expired; start over with an empty cursor');
  return { resourceType: expected.resourceType, offset, query: expected.query, issuedAt, total, ...(session === null ? {} : { session }) };
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
