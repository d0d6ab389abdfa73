/**
 * The fallback when the account may not use DirSync: changes found by uSNChanged (MS-ADTS
 * 3.1.1.1.9), deletions by tombstones read with the show-deleted control.
 *
 * uSNChanged is local to one DC: the watermark records the DC's invocationId and a
 * watermark from another DC leads to a full re-read (reader.ts). Every change is read as
 * a whole object: without DirSync there are no incremental values, so a group's upsert
 * carries its complete member list.
 *
 * Without replication metadata (which ordinary accounts cannot read) a move cannot be
 * told from an edit, so any changed object outside the scope that existed at the
 * watermark is reported as a delete, reason 'out-of-scope' (harmless for objects the
 * caller never held), and a changed OU or container has everything below it re-read.
 * Tombstones are visible only to accounts that may list CN=Deleted Objects. Deleting an
 * object removes its links from groups without changing the groups' uSNChanged (seen on
 * Samba): the caller drops a deleted object's memberships itself.
 */
import type { Entry } from 'ldapts';
import type { AdChange } from '../core/ad-object.ts';
import { showDeletedControl } from './controls.ts';
import { outOfScopeDelete, tombstoneDelete } from './dirsync-entries.ts';
import { dnEquals } from './dn.ts';
import { BUFFER_ATTRIBUTES, entryGet, entryGuid, entryStrings, mostSpecificClass } from './entry.ts';
import { and, classesFilter, eq, ge, or } from './filter.ts';
import { NOT_CRITICAL, type ReadContext } from './read-context.ts';
import { pagedEntries } from './search.ts';

function isContainerLike(entry: Entry): boolean {
  const classes = entryStrings(entryGet(entry, 'objectClass')).map((c) => c.toLowerCase());
  return classes.includes('organizationalunit') || classes.includes('container');
}

/** Changes with uSNChanged above `usn`, whole objects, then tombstones. */
export async function* usnChanges(ctx: ReadContext, usn: string): AsyncGenerator<AdChange> {
  const since = (BigInt(usn) + 1n).toString();
  yield* liveChanges(ctx, usn, since);
  yield* tombstones(ctx, since);
}

async function* liveChanges(ctx: ReadContext, usn: string, since: string): AsyncGenerator<AdChange> {
  const client = await ctx.client();
  const classes = classesFilter([...new Set([...ctx.options.classes, 'organizationalUnit' as const])]);
  const filter = and(or(classes, eq('objectClass', 'container')), NOT_CRITICAL, ge('uSNChanged', since));
  const attributes = ctx.readAttributes;
  if (!attributes.some((a) => a.toLowerCase() === 'usncreated')) attributes.push('uSNCreated');
  const search = { base: ctx.options.baseDn, scope: 'sub' as const, filter, attributes, explicitBufferAttributes: BUFFER_ATTRIBUTES };
  for await (const page of pagedEntries(client, search, ctx.options.pageSize, ctx.options.maxValueRange)) {
    for (const entry of page) {
      const guid = entryGuid(entry);
      if (!guid || ctx.scope.isExcluded(entry.dn)) continue;
      const object = ctx.toObject(entry);
      const objectClass = mostSpecificClass(entryStrings(entryGet(entry, 'objectClass')));
      const wantedClass = objectClass !== undefined && ctx.options.classes.includes(objectClass);
      const created = entryStrings(entryGet(entry, 'uSNCreated'))[0];
      const existedBefore = created === undefined || BigInt(created) <= BigInt(usn);
      if (object) {
        if (wantedClass) yield { kind: 'upsert', object, complete: true };
      } else if (existedBefore && wantedClass) {
        yield outOfScopeDelete(guid, objectClass);
      }
      // Below a new OU everything is new and found by itself.
      if (existedBefore && isContainerLike(entry)) yield* descendants(ctx, entry, object !== undefined);
    }
  }
}

/** Below a changed OU or container: whole objects when in scope, else deletes. */
async function* descendants(ctx: ReadContext, container: Entry, inScope: boolean): AsyncGenerator<AdChange> {
  if (inScope) {
    for await (const objects of ctx.objectPages(container.dn, ctx.objectFilter())) {
      for (const object of objects) if (!dnEquals(object.dn, container.dn)) yield { kind: 'upsert', object, complete: true };
    }
    return;
  }
  const client = await ctx.client();
  const search = { base: container.dn, scope: 'sub' as const, filter: ctx.objectFilter(), attributes: ['objectGUID', 'objectClass'], explicitBufferAttributes: BUFFER_ATTRIBUTES };
  for await (const page of pagedEntries(client, search, ctx.options.pageSize)) {
    for (const child of page) {
      const guid = entryGuid(child);
      if (guid && !dnEquals(child.dn, container.dn)) yield outOfScopeDelete(guid, mostSpecificClass(entryStrings(entryGet(child, 'objectClass'))));
    }
  }
}

/**
 * Tombstones (isDeleted, under CN=Deleted Objects; objectCategory is stripped, objectClass
 * kept), all of them: the scope cannot tell whether a deleted object was in it.
 */
async function* tombstones(ctx: ReadContext, since: string): AsyncGenerator<AdChange> {
  const client = await ctx.client();
  const filter = and(eq('isDeleted', 'TRUE'), classesFilter(ctx.options.classes), ge('uSNChanged', since));
  const search = {
    base: ctx.options.baseDn,
    scope: 'sub' as const,
    filter,
    attributes: ['objectGUID', 'lastKnownParent', 'objectClass'],
    explicitBufferAttributes: BUFFER_ATTRIBUTES,
    controls: [showDeletedControl()],
  };
  for await (const page of pagedEntries(client, search, ctx.options.pageSize)) {
    for (const entry of page) {
      const guid = entryGuid(entry);
      if (guid) yield tombstoneDelete(guid, entry);
    }
  }
}
