/**
 * The explicit context of one domain's SCIM service: its AD source, limits and the little
 * state it keeps (open delta reads). Defaults live here, each documented.
 */
import type { AdChangePage } from '../../core/ad-object.ts';
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
  return Object.freeze({ ...context, deltaSessions: new DeltaSessions(context.cursorTimeoutSeconds * 1000, context.now) });
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
}

/**
 * Open delta sessions, bounded: at most `capacity`, each for `ttlMs` after its last use.
 * A session is taken out while a request uses it and put back after, so two requests
 * never share one. Dropped sessions have their iterator closed.
 */
export class DeltaSessions {
  private readonly sessions = new Map<string, { session: DeltaSession; expiresAt: number }>();

  constructor(private readonly ttlMs: number, private readonly now: () => number, private readonly capacity = 4) {}

  take(id: string): DeltaSession | undefined {
    this.evict();
    const entry = this.sessions.get(id);
    this.sessions.delete(id);
    return entry?.session;
  }

  put(session: DeltaSession): void {
    this.evict();
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
    if (entry) closeSession(entry.session);
  }
}

export function closeSession(session: DeltaSession): void {
  session.iterator.return?.().catch(() => undefined);
}
