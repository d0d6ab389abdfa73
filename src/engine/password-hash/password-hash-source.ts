/**
 * The service's side of the agent's `GET /PasswordHashes?watermark=…` (agent/password-hash):
 * one page per request through whatever carries a request to an agent of the job's domain
 * (the relay in `canopy serve`). Pages are checked on arrival: only PPH1 strings are
 * accepted, so a misbehaving agent cannot make the service store anything else.
 *
 * Mid-pass pages are never re-requested blindly (a lost answer means the agent has moved
 * on): a failed request fails the cycle, and the next cycle resumes from the committed
 * watermark, which the agent answers by restarting the pass it can no longer continue.
 */
import { z } from 'zod';
import { CanopyError } from '../../core/errors.ts';
import type { ScimSend } from '../scim-change-source.ts';

export const PASSWORD_HASHES_PATH = '/PasswordHashes';

/** `v1;PPH1_MD4,<salt hex>,<iterations>,<hash hex>;` (docs/password-hash-sync.md). */
export const PPH1_PATTERN = /^v1;PPH1_MD4,[0-9a-f]{2,128},\d{1,7},[0-9a-f]{64};$/;

const pageSchema = z.object({
  hashes: z.array(z.object({
    dn: z.string(),
    objectGuid: z.string(),
    sourceAnchor: z.string().min(1),
    samAccountName: z.string().optional(),
    credentialData: z.string().regex(PPH1_PATTERN, 'not a PPH1 string'),
  })),
  skipped: z.array(z.object({ dn: z.string(), objectGuid: z.string(), reason: z.string() })),
  watermark: z.string().min(1),
  more: z.boolean(),
});

export type PasswordHashSourcePage = z.infer<typeof pageSchema>;

const objectsSchema = pageSchema.pick({ hashes: true, skipped: true }).extend({ missing: z.array(z.string()) });
export type PasswordHashObjects = z.infer<typeof objectsSchema>;

export const PASSWORD_HASHES_SEARCH_PATH = '/PasswordHashes/.search';
/** The agent's limit per .search request. */
export const SEARCH_BATCH = 100;

export interface PasswordHashSource {
  /** Changed password hashes since `watermark` (a whole pass when absent), page by page. */
  readPages(tenantId: string, domain: string, watermark: string | undefined, signal?: AbortSignal): AsyncIterable<PasswordHashSourcePage>;
  /** Named users read whole (at most SEARCH_BATCH DNs). */
  readObjects(tenantId: string, domain: string, dns: readonly string[]): Promise<PasswordHashObjects>;
}

function parse<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new CanopyError('ERR_ENGINE_SOURCE_INVALID', `${what}: the agent's answer is malformed: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
}

function failure(status: number, body: unknown, what: string): CanopyError {
  const detail = (body as { detail?: unknown } | undefined)?.detail;
  const text = typeof detail === 'string' ? detail : `status ${status}`;
  // 403: the agent's account lacks a replication right or its logon was refused.
  return new CanopyError(status === 403 ? 'ERR_ENGINE_SOURCE_DENIED' : 'ERR_ENGINE_SOURCE_INVALID', `${what}: ${text}`);
}

export function createPasswordHashSource(send: ScimSend): PasswordHashSource {
  return {
    async *readPages(tenantId, domain, watermark, signal) {
      let from = watermark;
      for (;;) {
        signal?.throwIfAborted();
        const response = await send(tenantId, { domain, method: 'GET', path: PASSWORD_HASHES_PATH, query: from ? { watermark: from } : {} });
        if (response.status !== 200) throw failure(response.status, response.body, `GET ${PASSWORD_HASHES_PATH}`);
        const page = parse(pageSchema, response.body, `GET ${PASSWORD_HASHES_PATH}`);
        yield page;
        if (!page.more) return;
        from = page.watermark;
      }
    },
    async readObjects(tenantId, domain, dns) {
      const response = await send(tenantId, { domain, method: 'POST', path: PASSWORD_HASHES_SEARCH_PATH, body: { dns } });
      if (response.status !== 200) throw failure(response.status, response.body, `POST ${PASSWORD_HASHES_SEARCH_PATH}`);
      return parse(objectsSchema, response.body, `POST ${PASSWORD_HASHES_SEARCH_PATH}`);
    },
  };
}
