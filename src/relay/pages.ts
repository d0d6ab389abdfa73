/**
 * Reading a paged SCIM result through the relay one page at a time. Each page is its own
 * relay request, asked for only after the caller took the previous one, so nothing piles
 * up on either side; and each page request carries the position it starts from (a cursor
 * or startIndex, RFC 7644 §3.4.2.4), so a page re-sent to another agent after a failover
 * resumes exactly there: nothing is skipped, nothing repeated.
 */
import type { RelayRequest, RelayResponse } from './frames.ts';

export type RequestFn = (request: RelayRequest) => Promise<RelayResponse>;
export type NextPage = (response: RelayResponse, request: RelayRequest) => RelayRequest | undefined;

interface ListResponseBody {
  totalResults?: number;
  itemsPerPage?: number;
  startIndex?: number;
  nextCursor?: string;
  Resources?: unknown[];
}

/**
 * The next page of a SCIM ListResponse: by `nextCursor` when the agent gave one (cursor
 * paging), else by startIndex/count (RFC 7644 §3.4.2.4). No next page after an error.
 */
export const nextScimPage: NextPage = (response, request) => {
  if (response.status < 200 || response.status > 299) return undefined;
  const body = (response.body ?? {}) as ListResponseBody;
  const query = { ...(request.query ?? {}) };
  if (typeof body.nextCursor === 'string' && body.nextCursor !== '') {
    return { ...request, query: { ...query, cursor: body.nextCursor } };
  }
  if ('cursor' in query) return undefined;
  const count = body.itemsPerPage ?? body.Resources?.length ?? 0;
  const start = body.startIndex ?? 1;
  if (count === 0 || body.totalResults === undefined || start + count > body.totalResults) return undefined;
  return { ...request, query: { ...query, startIndex: String(start + count) } };
};

/**
 * The next response of the agent's /Delta feed (docs/protocol.md): ask again at once with
 * the returned watermark while `more` is true. A repeated request replays from that
 * watermark, so failover may repeat entries but never skips one (at-least-once).
 */
export const nextDeltaPage: NextPage = (response, request) => {
  if (response.status < 200 || response.status > 299) return undefined;
  const body = (response.body ?? {}) as { more?: boolean; watermark?: string };
  if (body.more !== true || typeof body.watermark !== 'string') return undefined;
  return { ...request, query: { ...(request.query ?? {}), watermark: body.watermark } };
};

export async function* relayPages(send: RequestFn, first: RelayRequest, next: NextPage = nextScimPage): AsyncGenerator<RelayResponse> {
  let request: RelayRequest | undefined = first;
  while (request) {
    const response = await send(request);
    yield response;
    request = next(response, request);
  }
}
