/**
 * The agent's answer to `GET /PasswordHashes?watermark=…` from the service: one page of
 * changed password hashes (PPH1 strings only), read by MS-DRSR replication, and the
 * watermark to resume from. `POST /PasswordHashes/.search` with `{ "dns": [...] }` (at most
 * 100) reads named users one by one: `{ hashes, skipped, missing }`.
 *
 * Errors are SCIM error bodies like the rest of the agent's answers: a missing replication
 * right or a refused logon is 403 with the DC's reason, an unreachable DC 503, a bad
 * watermark 400. Either way the domain's SCIM reads carry on.
 */
import { scimErrorBody } from '../../scim/scim-error.ts';
import { DrsError } from '../../drs/drsuapi/drs-errors.ts';
import type { ReplicationClient } from '../../drs/replication-client.ts';
import type { RelayRequest, RelayResponse } from '../../relay/frames.ts';
import { decodeWatermark, readChangedPasswordHashes, readPasswordHashesOf, type PasswordHashPage } from './password-hash-reader.ts';

export const PASSWORD_HASHES_PATH = '/PasswordHashes';
export const PASSWORD_HASHES_SEARCH_PATH = '/PasswordHashes/.search';
/** DNs per .search request: each is one IDL_DRSGetNCChanges call. */
export const MAX_SEARCH_DNS = 100;

export interface PasswordHashHandlerOptions {
  /** Opens a replication session to the domain's DC. */
  readonly connect: () => Promise<ReplicationClient>;
  /** The domain head DN. */
  readonly nc: string;
  readonly pageSize?: number;
}

export interface PasswordHashHandler {
  (request: Pick<RelayRequest, 'method' | 'path' | 'query' | 'body'>): Promise<RelayResponse>;
  /** Ends an unfinished pass's replication session (agent shutdown). */
  close(): void;
}

export function isPasswordHashRequest(path: string): boolean {
  const bare = path.split('?', 1)[0];
  return bare === PASSWORD_HASHES_PATH || bare === PASSWORD_HASHES_SEARCH_PATH;
}

function dnsOf(body: unknown): string[] | string {
  const dns = (body as { dns?: unknown } | undefined)?.dns;
  if (!Array.isArray(dns) || dns.length === 0 || !dns.every((dn) => typeof dn === 'string' && dn.length > 0 && dn.length <= 2048)) {
    return 'the body must be { "dns": [ "<distinguished name>", … ] }';
  }
  if (dns.length > MAX_SEARCH_DNS) return `at most ${MAX_SEARCH_DNS} dns per request, not ${dns.length}`;
  return dns as string[];
}

interface OpenPass {
  readonly client: ReplicationClient;
  readonly pages: AsyncGenerator<PasswordHashPage>;
  /** The watermark of the last page handed out; the next request must bring it back. */
  watermark: string;
  timer: NodeJS.Timeout;
}

/** How long an unfinished pass waits for the service's next page request. */
const OPEN_PASS_IDLE_MS = 120_000;

export function createPasswordHashHandler(options: PasswordHashHandlerOptions): PasswordHashHandler {
  let open: OpenPass | undefined;
  const closeOpen = (): void => {
    if (!open) return;
    clearTimeout(open.timer);
    void open.pages.return(undefined).catch(() => undefined);
    open.client.close();
    open = undefined;
  };

  /**
   * A DC keeps the position inside a pass on the replication session (Samba ties it to the
   * bind handle), so a pass that spans requests keeps its session open between them. A
   * mid-pass watermark whose session is gone (agent restarted, idle timeout) starts that
   * first pass again; a delta watermark resumes on a new session.
   */
  async function pagesFor(watermark: string | undefined): Promise<OpenPass> {
    if (open && watermark !== undefined && open.watermark === watermark) return open;
    closeOpen();
    const from = watermark !== undefined && decodeWatermark(watermark).phase === 'delta' ? watermark : undefined;
    const client = await options.connect();
    const pages = readChangedPasswordHashes(client, { nc: options.nc, watermark: from, pageSize: options.pageSize });
    open = { client, pages, watermark: watermark ?? '', timer: setTimeout(closeOpen, OPEN_PASS_IDLE_MS).unref() };
    return open;
  }

  /** Named users, on a session of their own (an open pass's session keeps its position). */
  async function search(body: unknown): Promise<RelayResponse> {
    const dns = dnsOf(body);
    if (typeof dns === 'string') return { status: 400, body: scimErrorBody(400, 'invalidValue', dns) };
    let client: ReplicationClient | undefined;
    try {
      client = await options.connect();
      return { status: 200, body: await readPasswordHashesOf(client, dns) };
    } catch (error) {
      return failure(error);
    } finally {
      client?.close();
    }
  }

  const handler = async (request: Pick<RelayRequest, 'method' | 'path' | 'query' | 'body'>): Promise<RelayResponse> => {
    if (request.path.split('?', 1)[0] === PASSWORD_HASHES_SEARCH_PATH) {
      if (request.method.toUpperCase() !== 'POST') return { status: 405, body: scimErrorBody(405, undefined, `${PASSWORD_HASHES_SEARCH_PATH} answers POST only`) };
      return search(request.body);
    }
    if (request.method.toUpperCase() !== 'GET') return { status: 405, body: scimErrorBody(405, undefined, `${PASSWORD_HASHES_PATH} answers GET only`) };
    const watermark = request.query?.watermark || undefined;
    if (watermark !== undefined) {
      try {
        decodeWatermark(watermark);
      } catch (error) {
        return { status: 400, body: scimErrorBody(400, 'invalidValue', (error as Error).message) };
      }
    }
    try {
      const pass = await pagesFor(watermark);
      const next = await pass.pages.next();
      if (next.done) {
        closeOpen();
        return { status: 500, body: scimErrorBody(500, undefined, 'the DC returned no replication page') };
      }
      if (next.value.more) {
        pass.watermark = next.value.watermark;
        pass.timer.refresh();
      } else {
        closeOpen();
      }
      return { status: 200, body: next.value };
    } catch (error) {
      closeOpen();
      return failure(error);
    }
  };
  return Object.assign(handler, { close: closeOpen });
}
function failure(error: unknown): RelayResponse {
  if (error instanceof DrsError && (error.code === 'ERR_DRS_MISSING_RIGHT' || error.code === 'ERR_DRS_LOGON_FAILED')) {
    return { status: 403, body: scimErrorBody(403, undefined, `password hash sync: ${error.message}`) };
  }
  return { status: 503, body: scimErrorBody(503, undefined, `password hash sync: ${(error as Error).message}`) };
}
