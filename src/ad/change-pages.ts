/**
 * Cutting a stream of changes into AdChangePages. Only the last page of a stretch carries
 * the watermark reached at its end; the pages before it carry the watermark the stretch
 * started from, so whatever page the caller persists, a replay never skips a change.
 */
import type { AdChange, AdChangePage, AdObject, AdResetReason } from '../core/ad-object.ts';

export interface Stretch {
  /** Watermark for pages before the last: where this stretch started. */
  readonly interim: string;
  /** Watermark for the last page: where this stretch ends (computed once the stretch is read). */
  readonly final: string | (() => string);
  /** `more` of the last page: another stretch follows. */
  readonly moreAfter: boolean;
  readonly reset?: AdResetReason;
}

/** Always yields at least one page, so even an empty read moves the watermark. */
export async function* toPages(changes: AsyncIterable<AdChange> | Iterable<AdChange>, pageSize: number, stretch: Stretch): AsyncGenerator<AdChangePage> {
  const page = (list: AdChange[], last: boolean): AdChangePage => ({
    changes: list,
    watermark: last ? (typeof stretch.final === 'string' ? stretch.final : stretch.final()) : stretch.interim,
    more: last ? stretch.moreAfter : true,
    ...(stretch.reset ? { reset: stretch.reset } : {}),
  });
  let held: AdChange[] | undefined;
  let buffer: AdChange[] = [];
  for await (const change of changes) {
    buffer.push(change);
    if (buffer.length >= pageSize) {
      if (held) yield page(held, false);
      held = buffer;
      buffer = [];
    }
  }
  if (buffer.length > 0) {
    if (held) yield page(held, false);
    held = buffer;
  }
  yield page(held ?? [], true);
}

/** Whole objects as complete upserts, for full reads. */
export async function* upserts(pages: AsyncIterable<readonly AdObject[]>): AsyncGenerator<AdChange> {
  for await (const objects of pages) for (const object of objects) yield { kind: 'upsert', object, complete: true };
}
