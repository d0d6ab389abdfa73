/**
 * Cursor paging of /Users and /Groups (RFC 9865) over open reads. The first page counts
 * the matches (a search reading only the identity attributes, for totalResults, which
 * RFC 7644 §3.4.2 requires) and opens the search that streams them; each page takes the
 * next `count` matches from it, and the search stays open (a ListSession, named in the
 * cursor) until the next cursor of the walk arrives. A walk thus reads the directory
 * once, not once per page. A cursor whose read this agent no longer holds (idle too
 * long, evicted by newer walks, a restart, another agent, a retried cursor, a read the
 * DC dropped) is served by searching again and skipping to its offset, which then opens
 * a read for the pages after it.
 */
import { randomUUID } from 'node:crypto';
import type { AdObject } from '../../core/ad-object.ts';
import { closeListSession, type ListSession, type ScimServiceContext } from './context.ts';
import { decodeCursor, encodeCursor, queryHash } from './cursor.ts';
import type { ServedType } from './resource-types.ts';

export interface CursorPage {
  readonly objects: readonly AdObject[];
  readonly totalResults: number;
  readonly nextCursor?: string;
}

/** The matches of one filter, as a fresh stream; `count` streams identity attributes only. */
export type Matches = (options?: { count: boolean }) => AsyncIterable<AdObject>;

export async function cursorPage(
  ctx: ScimServiceContext,
  type: ServedType,
  filterText: string | undefined,
  cursor: string,
  count: number,
  matches: Matches,
): Promise<CursorPage> {
  const now = Math.floor(ctx.now() / 1000);
  const query = queryHash(filterText);
  const state = cursor === '' ? undefined : decodeCursor(cursor, ctx.cursorKey, { resourceType: type.name, query, now, timeoutSeconds: ctx.cursorTimeoutSeconds });
  const total = state?.total ?? (await countMatches(matches));
  if (count === 0) return { objects: [], totalResults: total };
  const offset = state?.offset ?? 0;
  let session = state?.session === undefined ? undefined : ctx.listSessions.take(state.session);
  if (session && (session.offset !== offset || session.resourceType !== type.name || session.query !== query)) {
    closeListSession(session);
    session = undefined;
  }
  let objects: AdObject[] | undefined;
  if (session) {
    try {
      objects = await take(session, count);
    } catch {
      // The DC may drop a paged search it holds (e.g. beyond its per-connection limit):
      // search again from the cursor's offset.
      closeListSession(session);
      session = undefined;
    }
  }
  if (!session || !objects) {
    const fresh = await open(type, query, total, offset, matches);
    objects = await take(fresh, count).catch((error: unknown) => {
      closeListSession(fresh);
      throw error;
    });
    session = fresh;
  }
  const more = session.pending !== undefined;
  if (more) ctx.listSessions.put(session);
  else closeListSession(session);
  const next = session.offset;
  return {
    objects,
    // Counted on the first page; a directory growing during the walk still ends it properly.
    totalResults: Math.max(total, next + (more ? 1 : 0)),
    ...(more ? { nextCursor: encodeCursor({ resourceType: type.name, offset: next, query, issuedAt: now, total, session: session.id }, ctx.cursorKey) } : {}),
  };
}

async function countMatches(matches: Matches): Promise<number> {
  let total = 0;
  for await (const object of matches({ count: true })) if (object) total += 1;
  return total;
}

/** A new read positioned at `offset` (the matches before it are skipped). */
async function open(type: ServedType, query: string, total: number, offset: number, matches: Matches): Promise<ListSession> {
  const session: ListSession = {
    id: randomUUID(),
    resourceType: type.name,
    query,
    iterator: matches()[Symbol.asyncIterator](),
    offset: 0,
    pending: undefined,
    total,
  };
  try {
    while (session.offset < offset) {
      const next = await session.iterator.next();
      if (next.done) break;
      session.offset += 1;
    }
  } catch (error) {
    closeListSession(session);
    throw error;
  }
  session.offset = offset;
  return session;
}

/** The next `count` matches, then one more read ahead into `pending` (is there a next page?). */
async function take(session: ListSession, count: number): Promise<AdObject[]> {
  const out: AdObject[] = [];
  while (out.length < count) {
    const object = session.pending ?? (await nextOf(session));
    session.pending = undefined;
    if (!object) break;
    out.push(object);
  }
  session.offset += out.length;
  if (out.length === count) session.pending = await nextOf(session);
  return out;
}

async function nextOf(session: ListSession): Promise<AdObject | undefined> {
  const next = await session.iterator.next();
  return next.done ? undefined : next.value;
}
