/**
 * The explicit context of one domain's SCIM service: its AD source, limits and the little
 * state it keeps (open delta reads and cursor walks). Defaults live here, each documented.
 */
import type { AdChangePage, AdObject } from '../../core/ad-object.ts';
import type { AdSource } from './ad-source.ts';
import type { MemberResolver } from './member-resolver.ts';
import { DEFAULT_CURSOR_KEY } from './cursor.ts';

export interface ScimServiceOptions {
  readonly source: AdSource;
  /** Items per /Users or /Groups page without `count`. Default 100. */
  readonly defaultPageSize?: number;
  /** Largest `count` served; larger ones are clamped (RFC 7644 §3.4.2.4). Default 1000. */
  readonly maxPageSize?: number;
  /** Changes per /Delta response without `count`. Default 500. */
  readonly defaultDeltaSize?: number;
  /** Largest /Delta `count`. Default 5000. */
  readonly maxDeltaSize?: number;
  /** Lifetime of a cursor, and of an idle delta read, in seconds (RFC 9865 cursorTimeout). Default 3600. */
  readonly cursorTimeoutSeconds?: number;
  /** HMAC key for cursors; default DEFAULT_CURSOR_KEY (integrity, not secrecy). */
  readonly cursorKey?: string;
  /**
   * Seconds a /Users or /Groups cursor walk's open search waits for its next cursor
   * before it is closed (the walk then continues by searching again). Default 120.
   */
  readonly listReadIdleSeconds?: number;
  /**
   * Cursor walks kept open at once; each holds one paged search on the reader's
   * connection, which a DC keeps only ~10 of (AD's MaxResultSetsPerConn), shared with
   * open /Delta reads (at most 4) and requests in progress. Default 3; 0 turns it off.
   */
  readonly maxOpenListReads?: number;
  /** Clock, for tests. */
  readonly now?: () => number;
}

export interface ScimServiceContext {
  readonly source: AdSource;
  readonly defaultPageSize: number;
  readonly maxPageSize: number;
  readonly defaultDeltaSize: number;
  readonly maxDeltaSize: number;
  readonly cursorTimeoutSeconds: number;
  readonly cursorKey: string;
  readonly now: () => number;
  readonly deltaSessions: DeltaSessions;
  readonly listSessions: OpenReads<ListSession>;
}

export function createScimContext(options: ScimServiceOptions): ScimServiceContext {
  const context = {
    source: options.source,
    defaultPageSize: options.defaultPageSize ?? 100,
    maxPageSize: options.maxPageSize ?? 1000,
    defaultDeltaSize: options.defaultDeltaSize ?? 500,
    maxDeltaSize: options.maxDeltaSize ?? 5000,
    cursorTimeoutSeconds: options.cursorTimeoutSeconds ?? 3600,
    cursorKey: options.cursorKey ?? DEFAULT_CURSOR_KEY,
    now: options.now ?? Date.now,
  };
  if (context.defaultPageSize < 1 || context.maxPageSize < context.defaultPageSize) {
    throw new TypeError('defaultPageSize must be at least 1 and at most maxPageSize');
  }
  if (context.defaultDeltaSize < 1 || context.maxDeltaSize < context.defaultDeltaSize) {
    throw new TypeError('defaultDeltaSize must be at least 1 and at most maxDeltaSize');
  }
  const listIdleSeconds = options.listReadIdleSeconds ?? 120;
  const maxOpenListReads = options.maxOpenListReads ?? 3;
  if (!(listIdleSeconds > 0) || !Number.isInteger(maxOpenListReads) || maxOpenListReads < 0) {
    throw new TypeError('listReadIdleSeconds must be positive and maxOpenListReads a non-negative integer');
  }
  const listSessions = new OpenReads<ListSession>(listIdleSeconds * 1000, context.now, maxOpenListReads, closeListSession);
  return Object.freeze({ ...context, deltaSessions: new DeltaSessions(context.cursorTimeoutSeconds * 1000, context.now), listSessions });
}

/**
 * A /Users or /Groups cursor walk in progress: the search streaming its matches, kept
 * between requests so that a walk reads the directory once, not once per page.
 */
export interface ListSession {
  readonly id: string;
  readonly resourceType: 'User' | 'Group';
  /** The cursor's filter hash. */
  readonly query: string;
  readonly iterator: AsyncIterator<AdObject>;
  /** Index of the next object the iterator (or `pending`) gives. */
  offset: number;
  /** The match read ahead to learn whether another page follows. */
  pending: AdObject | undefined;
  /** totalResults of the walk, counted on its first page. */
  readonly total: number;
}

export function closeListSession(session: ListSession): void {
  session.iterator.return?.().catch(() => undefined);
}

/**
 * An incremental read in progress: the reader's page iterator, kept between /Delta
 * requests, because the reader's pages of one read follow from one search (the pages
 * before the last carry the watermark the read started from, so a watermark alone cannot
 * continue a read in its middle).
 */
export interface DeltaSession {
  readonly id: string;
  readonly iterator: AsyncIterator<AdChangePage>;
  /** The reader watermark a replay starts from: the last page fully served, else the read's start. */
  resumeFrom: string | undefined;
  page: AdChangePage | undefined;
  /** Changes of `page` already served. */
  offset: number;
  /** Responses served; the watermark names it, so a retried or stale one is recognised. */
  step: number;
  /** DN lookups cached across the read's responses. */
  readonly resolver: MemberResolver;
  /**
   * The next reader page, read (and its references looked up) while the client applies
   * the response just served; its failure surfaces on the request that needs it.
   */
  ahead?: Promise<IteratorResult<AdChangePage>> | undefined;
}

/**
 * Open reads, bounded: at most `capacity`, each for `ttlMs` after its last use; the
 * oldest goes first when full. A read is taken out while a request uses it and put back
 * after, so two requests never share one. Dropped reads are closed.
 */
export class OpenReads<T extends { readonly id: string }> {
  private readonly sessions = new Map<string, { session: T; expiresAt: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
    private readonly capacity: number,
    private readonly close: (session: T) => void,
  ) {}

  take(id: string): T | undefined {
    this.evict();
    const entry = this.sessions.get(id);
    this.sessions.delete(id);
    return entry?.session;
  }

  /** Keeps the read; with a capacity of 0 it is closed at once. */
  put(session: T): void {
    this.evict();
    if (this.capacity < 1) {
      this.close(session);
      return;
    }
    while (this.sessions.size >= this.capacity) {
      const oldest = this.sessions.keys().next().value as string;
      this.drop(oldest);
    }
    this.sessions.set(session.id, { session, expiresAt: this.now() + this.ttlMs });
  }

  get size(): number {
    return this.sessions.size;
  }

  private evict(): void {
    const now = this.now();
    for (const [id, entry] of this.sessions) if (entry.expiresAt <= now) this.drop(id);
  }

  private drop(id: string): void {
    const entry = this.sessions.get(id);
    this.sessions.delete(id);
    if (entry) this.close(entry.session);
  }
}

/** Open delta reads: at most 4 by default (see OpenReads). */
export class DeltaSessions extends OpenReads<DeltaSession> {
  constructor(ttlMs: number, now: () => number, capacity = 4) {
    super(ttlMs, now, capacity, closeSession);
  }
}

export function closeSession(session: DeltaSession): void {
  session.iterator.return?.().catch(() => undefined);
}
