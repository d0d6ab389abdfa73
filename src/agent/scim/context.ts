/**
 * The explicit context of one domain's SCIM service: its AD source, limits and the little
 * state it keeps (split delta pages). Defaults live here, each documented.
 */
import type { AdChangePage } from '../../core/ad-object.ts';
import type { AdSource } from './ad-source.ts';
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
  /** Lifetime of a cursor and of a split delta page, in seconds (RFC 9865 cursorTimeout). Default 3600. */
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
  readonly deltaPages: SplitPageCache;
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
  return Object.freeze({ ...context, deltaPages: new SplitPageCache(context.cursorTimeoutSeconds * 1000, context.now) });
}

/**
 * AD change pages larger than one /Delta response, kept while the engine fetches their
 * parts. Bounded: at most `capacity` pages, each for `ttlMs`. A part asked for after its
 * page left the cache replays the page from its start (at-least-once, never a gap).
 */
export class SplitPageCache {
  private readonly pages = new Map<string, { page: AdChangePage; expiresAt: number }>();

  constructor(private readonly ttlMs: number, private readonly now: () => number, private readonly capacity = 4) {}

  get(id: string): AdChangePage | undefined {
    this.evict();
    return this.pages.get(id)?.page;
  }

  set(id: string, page: AdChangePage): void {
    this.evict();
    this.pages.delete(id);
    while (this.pages.size >= this.capacity) {
      const oldest = this.pages.keys().next().value as string;
      this.pages.delete(oldest);
    }
    this.pages.set(id, { page, expiresAt: this.now() + this.ttlMs });
  }

  private evict(): void {
    const now = this.now();
    for (const [id, entry] of this.pages) if (entry.expiresAt <= now) this.pages.delete(id);
  }
}
