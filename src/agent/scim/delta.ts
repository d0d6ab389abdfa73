/**
 * GET /Delta?watermark=…&count=… — Canopy's change feed over the AD reader's incremental
 * read (docs/protocol.md, "The delta operation"). Without a watermark it is a full read.
 *
 * One AD change page becomes one response, or several when it holds more than `count`
 * changes (Samba never pages DirSync, so a first read is one page of everything). Every
 * response carries the watermark to send next; it is also the one to persist once the
 * response is applied. A watermark that points into a split page names the AD watermark
 * the page was read from, so resuming from it (on this agent after the page left its
 * cache, or on another agent) replays the page from its start: at-least-once, never a gap.
 */
import { randomUUID } from 'node:crypto';
import type { AdChange, AdChangePage } from '../../core/ad-object.ts';
import { scimErrors } from '../../scim/scim-error.ts';
import { CANOPY_DELTA_RESPONSE } from '../../scim/urns.ts';
import type { ScimServiceContext } from './context.ts';
import { MemberResolver } from './member-resolver.ts';
import { servedTypeOf } from './resource-types.ts';

type Query = Readonly<Record<string, string | undefined>>;

export interface DeltaResponse {
  readonly schemas: readonly [typeof CANOPY_DELTA_RESPONSE];
  /** Send as ?watermark= for the next response; persist after applying this one. */
  readonly watermark: string;
  /** true: more changes are ready now; call again at once with `watermark`. */
  readonly more: boolean;
  readonly itemsPerPage: number;
  readonly Resources: readonly Record<string, unknown>[];
}

/** Our wrapping of the reader's watermark: `w` the AD watermark read from, `s`/`o` a part of a split page. */
interface Position {
  readonly w?: string;
  readonly s?: string;
  readonly o?: number;
}

const PREFIX = 'cd1.';

function encodePosition(position: Position): string {
  return PREFIX + Buffer.from(JSON.stringify(position)).toString('base64url');
}

function decodePosition(watermark: string | undefined): Position {
  if (watermark === undefined || watermark === '') return {};
  if (!watermark.startsWith(PREFIX)) throw invalidWatermark();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(watermark.slice(PREFIX.length), 'base64url').toString('utf8'));
  } catch {
    throw invalidWatermark();
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalidWatermark();
  const { w, s, o } = parsed as Record<string, unknown>;
  if ((w !== undefined && typeof w !== 'string') || (s !== undefined && typeof s !== 'string') || (o !== undefined && (typeof o !== 'number' || !Number.isSafeInteger(o) || o < 0))) {
    throw invalidWatermark();
  }
  return { ...(w === undefined ? {} : { w }), ...(s === undefined ? {} : { s, o: o ?? 0 }) };
}

function invalidWatermark() {
  return scimErrors.invalidValue('watermark is not one this service issued; start a full read without a watermark');
}

export async function readDelta(ctx: ScimServiceContext, query: Query): Promise<DeltaResponse> {
  const count = deltaCount(ctx, query.count);
  const position = decodePosition(query.watermark);
  let page = position.s === undefined ? undefined : ctx.deltaPages.get(position.s);
  let offset = page ? (position.o ?? 0) : 0;
  let split = page ? position.s : undefined;
  if (!page) {
    page = await firstPage(ctx, position.w);
    offset = 0;
  }
  const end = Math.min(offset + count, page.changes.length);
  const resolver = new MemberResolver(ctx.source);
  const resources: Record<string, unknown>[] = [];
  for (const change of page.changes.slice(offset, end)) {
    const entry = await deltaEntry(change, resolver);
    if (entry) resources.push(entry);
  }
  let watermark: string;
  let more: boolean;
  if (end < page.changes.length) {
    split ??= randomUUID();
    ctx.deltaPages.set(split, page);
    watermark = encodePosition({ ...(position.w === undefined ? {} : { w: position.w }), s: split, o: end });
    more = true;
  } else {
    watermark = encodePosition({ w: page.watermark });
    more = page.more;
  }
  return { schemas: [CANOPY_DELTA_RESPONSE], watermark, more, itemsPerPage: resources.length, Resources: resources };
}

function deltaCount(ctx: ScimServiceContext, raw: string | undefined): number {
  if (raw === undefined) return ctx.defaultDeltaSize;
  if (!/^\d{1,9}$/.test(raw)) throw scimErrors.invalidValue(`count must be a positive integer, got "${raw}"`);
  return Math.min(Math.max(Number(raw), 1), ctx.maxDeltaSize);
}

async function firstPage(ctx: ScimServiceContext, watermark: string | undefined): Promise<AdChangePage> {
  for await (const page of ctx.source.readChanges(watermark)) return page;
  // No page at all: nothing changed; the watermark stays.
  if (watermark === undefined) throw scimErrors.internal('the AD reader returned no page for a full read');
  return { changes: [], watermark, more: false };
}

/**
 * One change as a delta entry:
 *  - upsert, complete: the full resource;
 *  - upsert, partial: the changed attributes only, `null` for cleared ones, `partial: true`,
 *    and for groups read with incremental values `memberChanges: { added, removed }`;
 *  - delete: `{ id, meta: { resourceType? }, deleted: true, reason }`.
 * Objects that are neither users nor groups (OUs, computers, contacts) are left out.
 */
async function deltaEntry(change: AdChange, resolver: MemberResolver): Promise<Record<string, unknown> | undefined> {
  if (change.kind === 'delete') {
    // The core type has no class for a deletion yet; use it when the reader supplies one.
    const objectClass = (change as { objectClass?: 'user' | 'group' }).objectClass;
    const type = objectClass ? servedTypeOf({ objectClass }) : undefined;
    return {
      id: change.objectGuid,
      meta: type ? { resourceType: type.name } : {},
      deleted: true,
      reason: change.reason,
      ...(change.dn === undefined ? {} : { distinguishedName: change.dn }),
    };
  }
  const type = servedTypeOf(change.object);
  if (!type) return undefined;
  const resource: Record<string, unknown> = await type.build(change.object, { partial: !change.complete, resolver });
  if (!change.complete) resource.partial = true;
  if (change.memberChanges) {
    resource.memberChanges = {
      added: await resolver.resolve(change.memberChanges.added),
      removed: await resolver.resolve(change.memberChanges.removed),
    };
  }
  return resource;
}
