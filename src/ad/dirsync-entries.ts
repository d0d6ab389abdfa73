/**
 * What each entry of a DirSync answer means for the scoped view, and the reads that make
 * the resulting changes complete:
 * - a tombstone (isDeleted): delete, reason 'deleted', wherever it was (see
 *   AdChange.lastKnownParent for why the scope cannot decide);
 * - a new object (whenCreated among the changes) or one renamed or moved (name among the
 *   changes), now in scope: read whole (a base read by GUID) and, for an OU or container,
 *   everything below it, since its descendants moved with it unreported;
 * - a renamed or moved object now out of scope: delete, reason 'out-of-scope', and for an
 *   OU or container every object below it too;
 * - any other change in scope: the object's attributes re-read (Samba reports no cleared
 *   attributes through DirSync, so the changed values alone are not enough), and member
 *   adds and removes from the incremental values `member;range=1-1` / `member;range=0-0`.
 */
import type { Entry } from 'ldapts';
import type { AdChange, AdObject, AdObjectClass } from '../core/ad-object.ts';
import { dnFromExtendedDn } from './decode.ts';
import { dnEquals } from './dn.ts';
import { BUFFER_ATTRIBUTES, IDENTITY_ATTRIBUTES, entryGet, entryGuid, entryStrings, mostSpecificClass } from './entry.ts';
import type { ReadContext } from './read-context.ts';
import { showDeletedControl } from './controls.ts';
import { guidsFilter } from './filter.ts';
import { DEFAULTS } from './options.ts';
import { pagedEntries, searchEntries } from './search.ts';

interface PartialChange {
  readonly guid: string;
  readonly changed: string[];
  readonly added: string[];
  readonly removed: string[];
  /** A plain `member` (not incremental) is the whole list. */
  readonly members?: string[];
}

const INCREMENTAL_MEMBER = /^member;range=([01])-\1$/i;
/** Attributes DirSync sends that say nothing about the object's content. */
const BOOKKEEPING = new Set(['dn', 'objectguid', 'instancetype', 'parentguid', 'objectclass', 'whenchanged', 'usnchanged']);

function isContainerLike(entry: Entry): boolean {
  const classes = entryStrings(entryGet(entry, 'objectClass')).map((c) => c.toLowerCase());
  return classes.includes('organizationalunit') || classes.includes('container');
}

/**
 * A tombstone as a delete, with its lastKnownParent and its class (a tombstone keeps
 * objectClass, MS-ADTS 3.1.1.5.5.1.1) when sent.
 */
export function tombstoneDelete(objectGuid: string, entry: Entry): AdChange {
  const parent = entryStrings(entryGet(entry, 'lastKnownParent'))[0];
  const objectClass = classOf(entry);
  return { kind: 'delete', objectGuid, reason: 'deleted', ...(parent ? { lastKnownParent: dnFromExtendedDn(parent) } : {}), ...(objectClass ? { objectClass } : {}) };
}

/** The most specific class of an entry that carries objectClass, else undefined. */
export function classOf(entry: Entry): AdObjectClass | undefined {
  return mostSpecificClass(entryStrings(entryGet(entry, 'objectClass')));
}

/** An out-of-scope delete, with the class when known. */
export function outOfScopeDelete(objectGuid: string, objectClass: AdObjectClass | undefined): AdChange {
  return { kind: 'delete', objectGuid, reason: 'out-of-scope', ...(objectClass ? { objectClass } : {}) };
}

function present(entry: Entry, name: string): boolean {
  return Object.keys(entry).some((key) => key.toLowerCase() === name);
}

export class DirSyncEntryClassifier {
  private readonly configured: Set<string>;

  constructor(private readonly ctx: ReadContext) {
    this.configured = new Set(ctx.options.attributes.map((a) => a.toLowerCase()));
  }

  async *changes(entries: readonly Entry[]): AsyncGenerator<AdChange> {
    const whole: { guid: string; changed: string[]; moved: boolean }[] = [];
    const movedOut: string[] = [];
    const partial: PartialChange[] = [];
    const tombstones: { guid: string; entry: Entry }[] = [];
    for (const entry of entries) {
      const guid = entryGuid(entry);
      if (!guid) continue;
      if (entryStrings(entryGet(entry, 'isDeleted'))[0]?.toUpperCase() === 'TRUE') {
        tombstones.push({ guid, entry });
        continue;
      }
      if (this.ctx.scope.isExcluded(entry.dn)) continue;
      const names = Object.keys(entry).filter((key) => !BOOKKEEPING.has(key.toLowerCase()));
      const created = present(entry, 'whencreated');
      const moved = !created && present(entry, 'name');
      const inScope = this.ctx.scope.contains(entry.dn);
      if (created || moved) {
        if (inScope) whole.push({ guid, changed: names, moved });
        else if (moved) movedOut.push(guid);
        continue;
      }
      if (!inScope) continue;
      const change = this.partialChange(guid, entry, names);
      if (change) partial.push(change);
    }
    yield* this.wholeObjects(whole);
    yield* this.partialObjects(partial);
    yield* this.tombstoneDeletes(tombstones);
    yield* this.descendantsMovedOut(movedOut);
  }

  /**
   * Tombstones as deletes with their class. Samba's DirSync entry for a tombstone has no
   * objectClass (the tombstone itself keeps it, MS-ADTS 3.1.1.5.5.1.1), so the classes
   * missing are read from the tombstones, batched, with the show-deleted control. A
   * failure to read them leaves the class out rather than failing the read.
   */
  private async *tombstoneDeletes(list: readonly { guid: string; entry: Entry }[]): AsyncGenerator<AdChange> {
    const classes = new Map<string, AdObjectClass>();
    const unknown = list.filter(({ entry }) => !classOf(entry)).map(({ guid }) => guid);
    try {
      const client = await this.ctx.client();
      for (let i = 0; i < unknown.length; i += DEFAULTS.guidBatch) {
        const filter = guidsFilter(unknown.slice(i, i + DEFAULTS.guidBatch));
        const search = { base: this.ctx.options.baseDn, scope: 'sub' as const, filter, attributes: ['objectGUID', 'objectClass'], explicitBufferAttributes: BUFFER_ATTRIBUTES, controls: [showDeletedControl()] };
        for (const found of await searchEntries(client, search)) {
          const guid = entryGuid(found);
          const objectClass = classOf(found);
          if (guid && objectClass) classes.set(guid, objectClass);
        }
      }
    } catch {
      // The class is a hint (AdChange 'delete'.objectClass is optional); the delete stands.
    }
    for (const { guid, entry } of list) {
      const change = tombstoneDelete(guid, entry);
      const objectClass = classes.get(guid);
      yield objectClass && change.kind === 'delete' && !change.objectClass ? { ...change, objectClass } : change;
    }
  }

  private partialChange(guid: string, entry: Entry, names: string[]): PartialChange | undefined {
    const added: string[] = [];
    const removed: string[] = [];
    let members: string[] | undefined;
    const changed = new Set<string>();
    for (const name of names) {
      const incremental = INCREMENTAL_MEMBER.exec(name);
      if (incremental) {
        (incremental[1] === '1' ? added : removed).push(...entryStrings(entry[name]));
        changed.add('member');
      } else if (name.toLowerCase() === 'member') {
        members = entryStrings(entry[name]);
        changed.add('member');
      } else if (this.configured.has(name.toLowerCase())) {
        changed.add(name);
      }
    }
    if (changed.size === 0) return undefined;
    return { guid, changed: [...changed], added, removed, members };
  }

  /**
   * New, renamed or moved-in objects, read whole; below a moved or renamed OU or
   * container, everything (below a new one, everything is new and reported itself).
   */
  private async *wholeObjects(list: readonly { guid: string; changed: string[]; moved: boolean }[]): AsyncGenerator<AdChange> {
    if (list.length === 0) return;
    const found = await this.ctx.readByGuids(list.map((item) => item.guid), this.ctx.readAttributes);
    for (const { guid, changed, moved } of list) {
      const entry = found.get(guid);
      if (!entry) continue; // deleted since: its tombstone comes with the next read
      const object = this.ctx.toObject(entry);
      if (object && this.ctx.options.classes.includes(object.objectClass)) {
        yield { kind: 'upsert', object, complete: true, changedAttributes: changed };
      }
      if (object && moved && isContainerLike(entry)) {
        for await (const objects of this.ctx.objectPages(entry.dn, this.ctx.objectFilter())) {
          for (const child of objects) if (!dnEquals(child.dn, entry.dn)) yield { kind: 'upsert', object: child, complete: true };
        }
      }
    }
  }

  /**
   * Changed objects: attributes re-read (all but `member`, which comes as adds and removes).
   * Users and other non-groups are then complete. A group's upsert is not, but lists every
   * configured attribute, an empty list meaning no value, so a cleared one is seen.
   */
  private async *partialObjects(list: readonly PartialChange[]): AsyncGenerator<AdChange> {
    if (list.length === 0) return;
    const attributes = this.ctx.options.attributes.filter((a) => a.toLowerCase() !== 'member');
    const found = await this.ctx.readByGuids(list.map((item) => item.guid), attributes);
    for (const change of list) {
      const entry = found.get(change.guid);
      if (!entry) continue;
      const object = this.ctx.toObject(entry);
      if (!object || !this.ctx.options.classes.includes(object.objectClass)) continue;
      if (object.objectClass !== 'group') {
        yield { kind: 'upsert', object, complete: true, changedAttributes: change.changed };
        continue;
      }
      yield this.groupUpsert(object, change, attributes);
    }
  }

  private groupUpsert(object: AdObject, change: PartialChange, attributes: readonly string[]): AdChange {
    const identity = new Set<string>(IDENTITY_ATTRIBUTES.map((a) => a.toLowerCase()));
    const filled: Record<string, readonly string[]> = { ...object.attributes };
    const have = new Set(Object.keys(filled).map((k) => k.toLowerCase()));
    for (const name of attributes) if (!identity.has(name.toLowerCase()) && !have.has(name.toLowerCase())) filled[name] = [];
    if (change.members) filled.member = change.members;
    return {
      kind: 'upsert',
      object: { ...object, attributes: filled },
      complete: false,
      changedAttributes: change.changed,
      ...(change.added.length + change.removed.length > 0 ? { memberChanges: { added: change.added, removed: change.removed } } : {}),
    };
  }

  /**
   * Objects renamed or moved out of scope are deletions, reason 'out-of-scope'; below an
   * OU or container that left, every object left with it.
   */
  private async *descendantsMovedOut(guids: readonly string[]): AsyncGenerator<AdChange> {
    if (guids.length === 0) return;
    const found = await this.ctx.readByGuids(guids, ['objectGUID', 'objectClass']);
    const client = await this.ctx.client();
    for (const guid of guids) {
      const entry = found.get(guid);
      const objectClass = entry ? classOf(entry) : undefined;
      // Gone since (then its tombstone follows) or of a class read: tell the caller.
      if (!entry || (objectClass && this.ctx.options.classes.includes(objectClass))) yield outOfScopeDelete(guid, objectClass);
      if (!entry || !isContainerLike(entry) || this.ctx.scope.contains(entry.dn)) continue;
      const search = { base: entry.dn, scope: 'sub' as const, filter: this.ctx.objectFilter(), attributes: ['objectGUID', 'objectClass'], explicitBufferAttributes: BUFFER_ATTRIBUTES };
      for await (const page of pagedEntries(client, search, this.ctx.options.pageSize)) {
        for (const child of page) {
          const childGuid = entryGuid(child);
          if (childGuid && !dnEquals(child.dn, entry.dn)) yield outOfScopeDelete(childGuid, classOf(child));
        }
      }
    }
  }
}
