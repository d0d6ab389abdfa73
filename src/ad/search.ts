/**
 * Searches as the reader runs them: paged (RFC 2696) and streamed one page at a time,
 * continuation references ignored (never chased), each entry completed with ranged
 * retrieval before it is handed on.
 */
import type { Client, Control, Entry, Filter } from 'ldapts';
import { toCanopyError } from './ldap-errors.ts';
import { completeRanges } from './ranged.ts';

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
  while (true) {
    let next: IteratorResult<{ searchEntries: Entry[] }>;
    try {
      next = await pages.next();
    } catch (error) {
      throw toCanopyError(error, `searching ${search.base}`);
    }
    if (next.done) return;
    const entries = next.value.searchEntries;
    for (const entry of entries) await completeRanges(client, entry, maxValueRange);
    if (entries.length > 0) yield entries;
  }
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
  for (const entry of entries) await completeRanges(client, entry, maxValueRange);
  return entries;
}
