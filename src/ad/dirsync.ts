/**
 * Incremental reads with DirSync (MS-ADTS 3.1.1.3.4.1.3), rooted at the naming-context
 * head as DirSync requires; the scoping OUs are applied here.
 *
 * Windows pages a DirSync answer (MoreResults, bounded by MaxBytes); Samba never does and
 * answers everything at once. Both are handled by looping while MoreResults is set.
 */
import { AndFilter, type Entry, type Filter } from 'ldapts';
import type { AdChange } from '../core/ad-object.ts';
import { CanopyError } from '../core/errors.ts';
import { DirSyncControl, DirSyncFlags } from './controls.ts';
import { BUFFER_ATTRIBUTES } from './entry.ts';
import { and, classesFilter, eq, guidsFilter, or, parseFilter } from './filter.ts';
import { toCanopyError } from './ldap-errors.ts';
import { NOT_CRITICAL, type ReadContext } from './read-context.ts';
import { NO_TIME_LIMIT } from './search.ts';
import { DirSyncEntryClassifier } from './dirsync-entries.ts';

export interface DirSyncAnswer {
  readonly entries: Entry[];
  readonly more: boolean;
  readonly cookie: Buffer;
}

/**
 * The DirSync filter: the classes read, plus OUs and containers whatever the classes,
 * because moving one of those moves everything below it while DirSync reports only the
 * moved object itself.
 */
export function dirSyncFilter(ctx: ReadContext): string {
  const classes = classesFilter([...new Set([...ctx.options.classes, 'organizationalUnit' as const])]);
  return and(or(classes, eq('objectClass', 'container')), NOT_CRITICAL);
}

export async function dirSyncSearch(ctx: ReadContext, cookie: Buffer, attributes: string[], filter: string | Filter = dirSyncFilter(ctx)): Promise<DirSyncAnswer> {
  const client = await ctx.client();
  let flags = DirSyncFlags.INCREMENTAL_VALUES;
  if (ctx.options.dirSyncObjectSecurity) flags |= DirSyncFlags.OBJECT_SECURITY;
  const control = new DirSyncControl({ flags, maxBytes: ctx.options.dirSyncMaxBytes, cookie });
  let entries: Entry[];
  try {
    const result = await client.search(
      ctx.options.baseDn,
      // No attribute list: the DC then sends every attribute that changed, and an
      // attribute it sends without values was cleared. (ldapts fills requested attributes
      // that are absent with [], which would make a requested list ambiguous.)
      { scope: 'sub', filter, attributes, explicitBufferAttributes: BUFFER_ATTRIBUTES, timeLimit: NO_TIME_LIMIT },
      [control],
    );
    entries = result.searchEntries;
  } catch (error) {
    throw toCanopyError(error, `DirSync search under ${ctx.options.baseDn}`);
  }
  if (!control.response) throw new CanopyError('ERR_AD_PROTOCOL', `the DC answered the DirSync search under ${ctx.options.baseDn} without a DirSync control`);
  return { entries, more: control.response.more, cookie: control.response.cookie };
}

/**
 * A cookie for "now", taken before a full read so that everything changed from then on
 * is read again by the next incremental read: DirSync from nothing to the end, with the
 * DirSync filter narrowed to the null GUID (MS-DTYP 2.3.4.1 GUID_NULL, which no object
 * has). A DirSync cookie says how far the DC went through its changes, not what the
 * filter kept (a poll that finds no change still moves it), so the cookie is the same but
 * no entry is sent: on Samba it is byte for byte the one the whole answer gives (fixture
 * domain: 2 ms instead of 0.4 s of the DC's encoding and this agent's decoding).
 */
export async function currentDirSyncCookie(ctx: ReadContext): Promise<Buffer> {
  const nothing = new AndFilter({ filters: [parseFilter(dirSyncFilter(ctx)), guidsFilter([NULL_GUID])] });
  let cookie: Buffer = Buffer.alloc(0);
  for (;;) {
    const answer = await dirSyncSearch(ctx, cookie, ['objectGUID'], nothing);
    cookie = answer.cookie;
    if (!answer.more) return cookie;
  }
}

const NULL_GUID = '00000000-0000-0000-0000-000000000000';

/** One DirSync answer turned into changes: re-reads, moves and tombstones resolved. */
export function dirSyncChanges(ctx: ReadContext, entries: readonly Entry[]): AsyncIterable<AdChange> {
  return new DirSyncEntryClassifier(ctx).changes(entries);
}
