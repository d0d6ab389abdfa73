/**
 * Searches as the reader runs them: paged (RFC 2696) and streamed one page at a time,
 * continuation references ignored (never chased), each entry completed with ranged
 * retrieval before it is handed on.
 */
import type { Client, Control, Entry, Filter } from 'ldapts';
import { toCanopyError } from './ldap-errors.ts';
import { completeRanges, hasRanged } from './ranged.ts';

/**
 * ldapts asks the server for a 10-second time limit on every search unless told
 * otherwise; the reader bounds each operation on the client side (timeoutMs) instead,
 * so that a large answer (Samba's unpaged DirSync) is not cut short.
 */
export const NO_TIME_LIMIT = 0;

export interface EntrySearch {
  readonly base: string;
  readonly scope: 'base' | 'one' | 'sub';
  readonly filter: string | Filter;
  readonly attributes: string[];
  readonly explicitBufferAttributes: string[];
  readonly controls?: Control[];
}

/**
 * Streams the entries of a paged search. Samba answers a subtree search at the domain
 * head with continuation references to `ldap://domain/…` (RFC 4511 section 4.5.3);
 * ldapts collects them apart from the entries and they are dropped here.
 *
 * One page is read ahead: the request for page N+1 (RFC 2696 cookie of page N) goes out
 * before page N is handed on, so the DC finds and encodes the next page while the caller
 * decodes this one, instead of both sides waiting in turn (the fixture's full read spent
 * half its time idle). It is the same paged search, so the DC holds no more result sets;
 * at most two pages are in memory.
 */
export async function* pagedEntries(client: Client, search: EntrySearch, pageSize: number, maxValueRange?: number): AsyncGenerator<Entry[]> {
  const pages = client.searchPaginated(
    search.base,
    {
      scope: search.scope,
      filter: search.filter,
      attributes: search.attributes,
      explicitBufferAttributes: search.explicitBufferAttributes,
      timeLimit: NO_TIME_LIMIT,
      paged: { pageSize },
    },
    search.controls,
  );
  const nextPage = async (): Promise<IteratorResult<{ searchEntries: Entry[] }>> => {
    try {
      return await pages.next();
    } catch (error) {
      throw toCanopyError(error, `searching ${search.base}`);
    }
  };
  let ahead: Promise<IteratorResult<{ searchEntries: Entry[] }>> | undefined = nextPage();
  try {
    while (ahead) {
      const next = await ahead;
      ahead = undefined;
      if (next.done) return;
      ahead = nextPage();
      // A caller that stops early leaves the page read ahead unread: its failure is no one's.
      ahead.catch(() => undefined);
      const entries = next.value.searchEntries;
      await completeAllRanges(client, entries, maxValueRange);
      if (entries.length > 0) yield entries;
    }
  } finally {
    if (ahead) void ahead.then(() => pages.return(undefined), () => undefined).catch(() => undefined);
  }
}

/** completeRanges for each entry that has a ranged attribute (most have none: no await for them). */
async function completeAllRanges(client: Client, entries: readonly Entry[], maxValueRange: number | undefined): Promise<void> {
  for (const entry of entries) if (hasRanged(entry)) await completeRanges(client, entry, maxValueRange);
}

/** A search answered in one response (base reads, batched reads by GUID). */
export async function searchEntries(client: Client, search: EntrySearch, maxValueRange?: number): Promise<Entry[]> {
  let entries: Entry[];
  try {
    const result = await client.search(
      search.base,
      { scope: search.scope, filter: search.filter, attributes: search.attributes, explicitBufferAttributes: search.explicitBufferAttributes, timeLimit: NO_TIME_LIMIT },
      search.controls,
    );
    entries = result.searchEntries;
  } catch (error) {
    throw toCanopyError(error, `searching ${search.base}`);
  }
  await completeAllRanges(client, entries, maxValueRange);
  return entries;
}
