/**
 * GET /Delta?watermark=…&count=… — Canopy's change feed over the AD reader's incremental
 * read (docs/protocol.md, "The delta operation"). Without a watermark it is a full read.
 *
 * The reader yields a read as pages from one live search; only the last page's watermark
 * points past the read, the others point to its start. So the agent keeps the read open
 * between requests (a DeltaSession) and names it in the watermark it returns, with the
 * reader watermark to replay from. One reader page gives one response, or several when
 * it holds more than `count` changes. A watermark whose session this agent no longer
 * holds (restart, expiry, another agent, a retried request) replays from that reader
 * watermark: at-least-once, never a gap.
 */
import { randomUUID } from 'node:crypto';
import type { AdChange, AdChangePage, AdResetReason } from '../../core/ad-object.ts';
import { scimErrors } from '../../scim/scim-error.ts';
import { CANOPY_DELTA_RESPONSE } from '../../scim/urns.ts';
import { closeSession, type DeltaSession, type ScimServiceContext } from './context.ts';
import { MemberResolver } from './member-resolver.ts';
import { servedTypeOf } from './resource-types.ts';

type Query = Readonly<Record<string, string | undefined>>;

export interface DeltaResponse {
  readonly schemas: readonly [typeof CANOPY_DELTA_RESPONSE];
  /** Send as ?watermark= for the next response; persist after applying this one. */
  readonly watermark: string;
  /** true: more changes are ready now; call again at once with `watermark`. */
  readonly more: boolean;
  /** Present on every response of a full (re-)read: see AdChangePage.reset. */
  readonly reset?: AdResetReason;
  readonly itemsPerPage: number;
  readonly Resources: readonly Record<string, unknown>[];
}

/** What our watermark holds: `w` the reader watermark to replay from, `s`/`k` an open read and its step. */
interface Position {
  readonly w?: string;
  readonly s?: string;
  readonly k?: number;
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
  const { w, s, k } = parsed as Record<string, unknown>;
  const badStep = k !== undefined && (typeof k !== 'number' || !Number.isSafeInteger(k) || k < 0);
  if ((w !== undefined && typeof w !== 'string') || (s !== undefined && typeof s !== 'string') || badStep) throw invalidWatermark();
  return { ...(w === undefined ? {} : { w }), ...(s === undefined ? {} : { s, k: (k as number | undefined) ?? 0 }) };
}

function invalidWatermark() {
  return scimErrors.invalidValue('watermark is not one this service issued; start a full read without a watermark');
}

export async function readDelta(ctx: ScimServiceContext, query: Query): Promise<DeltaResponse> {
  const count = deltaCount(ctx, query.count);
  const position = decodePosition(query.watermark);
  let session = position.s === undefined ? undefined : ctx.deltaSessions.take(position.s);
  if (session && session.step !== position.k) {
    closeSession(session);
    session = undefined;
  }
  session ??= openSession(ctx, position.w);
  try {
    const response = await nextResponse(session, count);
    if (response.more) ctx.deltaSessions.put(session);
    else closeSession(session);
    return response;
  } catch (error) {
    // The session's place is unknown now: drop it; a retry replays from the watermark.
    closeSession(session);
    throw error;
  }
}

function openSession(ctx: ScimServiceContext, from: string | undefined): DeltaSession {
  const iterable = ctx.source.readChanges(from);
  return { id: randomUUID(), iterator: iterable[Symbol.asyncIterator](), resumeFrom: from, page: undefined, offset: 0, step: 0, resolver: new MemberResolver(ctx.source) };
}

/**
 * The session's next reader page: the one read ahead, else read now. Whole objects of the
 * page resolve the member DNs that point at them for free, so they are remembered first.
 */
async function readPage(session: DeltaSession): Promise<IteratorResult<AdChangePage>> {
  const next = await session.iterator.next();
  if (!next.done) for (const change of next.value.changes) if (change.kind === 'upsert' && change.complete) session.resolver.remember(change.object);
  return next;
}

/**
 * Starts reading the page after the one just finished, with its references, so that the
 * DC and this agent work while the client applies the response (the next request then
 * finds the page ready). One page ahead at most.
 */
function readAhead(session: DeltaSession): void {
  const ahead = readPage(session).then(async (next) => {
    if (!next.done) await session.resolver.prefetch(next.value.changes.filter((change) => change.kind === 'upsert'));
    return next;
  });
  ahead.catch(() => undefined); // surfaces when awaited; a session dropped unread ignores it
  session.ahead = ahead;
}

async function nextResponse(session: DeltaSession, count: number): Promise<DeltaResponse> {
  if (!session.page || session.offset >= session.page.changes.length) {
    const ahead = session.ahead;
    session.ahead = undefined;
    const next = await (ahead ?? readPage(session));
    if (next.done) {
      if (session.resumeFrom === undefined) throw scimErrors.internal('the AD reader returned no page for a full read');
      return respond(encodePosition({ w: session.resumeFrom }), false, undefined, []);
    }
    session.page = next.value;
    session.offset = 0;
  }
  const page = session.page;
  const slice = page.changes.slice(session.offset, session.offset + count);
  await session.resolver.prefetch(slice.filter((change) => change.kind === 'upsert'));
  const resources: Record<string, unknown>[] = [];
  for (const change of slice) {
    const entry = await deltaEntry(change, session.resolver);
    if (entry) resources.push(entry);
  }
  session.offset += slice.length;
  const pageDone = session.offset >= page.changes.length;
  if (pageDone) session.resumeFrom = page.watermark;
  const more = !pageDone || page.more;
  if (pageDone && page.more) readAhead(session);
  session.step += 1;
  const watermark = more
    ? encodePosition({ ...(session.resumeFrom === undefined ? {} : { w: session.resumeFrom }), s: session.id, k: session.step })
    : encodePosition({ w: page.watermark });
  return respond(watermark, more, page.reset, resources);
}

function respond(watermark: string, more: boolean, reset: AdResetReason | undefined, resources: Record<string, unknown>[]): DeltaResponse {
  return {
    schemas: [CANOPY_DELTA_RESPONSE],
    watermark,
    more,
    ...(reset === undefined ? {} : { reset }),
    itemsPerPage: resources.length,
    Resources: resources,
  };
}

function deltaCount(ctx: ScimServiceContext, raw: string | undefined): number {
  if (raw === undefined) return ctx.defaultDeltaSize;
  if (!/^\d{1,9}$/.test(raw)) throw scimErrors.invalidValue(`count must be a positive integer, got "${raw}"`);
  return Math.min(Math.max(Number(raw), 1), ctx.maxDeltaSize);
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
    // A deletion of another class (an OU, a computer) is still sent: the engine may hold
    // nothing for it, but an id alone cannot tell, so only a known class is left out.
    const type = change.objectClass ? servedTypeOf({ objectClass: change.objectClass }) : undefined;
    if (change.objectClass && !type) return undefined;
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
  const resource: Record<string, unknown> = await type.build(change.object, { partial: !change.complete, resolver, changedAttributes: change.changedAttributes });
  if (!change.complete) resource.partial = true;
  if (change.memberChanges) {
    resource.memberChanges = {
      added: await resolver.resolve(change.memberChanges.added),
      removed: await resolver.resolve(change.memberChanges.removed),
    };
  }
  return resource;
}
