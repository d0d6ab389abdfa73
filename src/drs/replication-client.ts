/**
 * A directory replication client (MS-DRSR over ncacn_ip_tcp with NTLM at packet privacy),
 * the way Microsoft's agent reads password hashes: never over LDAP. It finds drsuapi's port
 * through the endpoint mapper, binds, and then either pages through a naming context from
 * a USN watermark or reads one object by DN.
 */
import { randomUUID } from 'node:crypto';
import type { NtlmCredentials } from './ntlm/ntlm-client.ts';
import { lookupTcpPort } from './rpc/endpoint-mapper.ts';
import { RpcConnection } from './rpc/rpc-connection.ts';
import { LOGON_FAILURE_STATUSES, RpcFault } from './rpc/rpc-errors.ts';
import { AttributeOid, DRSUAPI, DrsOption, ExtendedOp, Opnum, Werror } from './drsuapi/drs-constants.ts';
import { DrsError, werrorText } from './drsuapi/drs-errors.ts';
import { decodeDrsBind, encodeDrsBind } from './drsuapi/drs-bind.ts';
import { encodeGetNcChanges, USN_ZERO, type UsnVector } from './drsuapi/get-nc-changes-request.ts';
import { decodeGetNcChanges, type GetNcChangesReply } from './drsuapi/get-nc-changes-reply.ts';
import { PrefixTable } from './drsuapi/prefix-table.ts';

export interface ReplicationClientOptions {
  /** The DC's host name or address (its endpoint mapper listens on TCP 135). */
  readonly host: string;
  readonly credentials: NtlmCredentials;
  /** The drsuapi port, when known; otherwise asked of the endpoint mapper. */
  readonly port?: number;
  /** Idle timeout of each connection (default 30 s). */
  readonly timeoutMs?: number;
}

/** Where a replication pass stands: the source DC's invocation ID and its USN. */
export interface ReplicationWatermark {
  readonly invocationId: string;
  readonly usn: UsnVector;
}

export interface ReplicationPage {
  readonly reply: GetNcChangesReply;
  /** Resume here (after the page's objects are handled) to get what changed later. */
  readonly watermark: ReplicationWatermark;
}

export interface ReplicateOptions {
  /** The naming context (the domain head DN). */
  readonly nc: string;
  /** Attribute OIDs to read. */
  readonly attributes: readonly string[];
  /** Resume from a previous pass; a different invocation ID starts over. */
  readonly from?: ReplicationWatermark;
  readonly pageSize?: number;
}

/** Requests send no prefix table and name attributes in the DC's numbering (PrefixTable.initial). */
const NO_PREFIX_TABLE = new PrefixTable();

function attids(oids: readonly string[]): number[] {
  const table = PrefixTable.initial();
  return oids.map((oid) => table.makeAttid(oid));
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_PAGE_SIZE = 1000;

export class ReplicationClient {
  /** This client's DSA GUID for the session; Samba accepts any (see the facts file). */
  readonly #dsa = randomUUID();

  private constructor(private readonly connection: RpcConnection, private readonly handle: Buffer) {}

  static async connect(options: ReplicationClientOptions): Promise<ReplicationClient> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const port = options.port ?? (await lookupTcpPort(options.host, DRSUAPI, timeoutMs));
    const connection = await RpcConnection.open({ host: options.host, port, timeoutMs });
    try {
      await connection.bind(DRSUAPI, options.credentials);
      const bound = decodeDrsBind(await connection.call(Opnum.DRS_BIND, encodeDrsBind(), 'IDL_DRSBind'));
      if (bound.status !== 0) throw new DrsError('ERR_DRS_CALL_FAILED', `IDL_DRSBind failed: ${werrorText(bound.status)}`, bound.status);
      return new ReplicationClient(connection, bound.handle);
    } catch (error) {
      connection.close();
      throw mapAccessError(error, options.credentials);
    }
  }

  /** The RPC session key that encrypts secret attributes (MS-DRSR 4.1.10.6.11). */
  get sessionKey(): Buffer {
    return this.connection.sessionKey;
  }

  async #getNcChanges(request: Parameters<typeof encodeGetNcChanges>[0]): Promise<GetNcChangesReply> {
    let stub: Buffer;
    try {
      stub = await this.connection.call(Opnum.DRS_GET_NC_CHANGES, encodeGetNcChanges(request), 'IDL_DRSGetNCChanges');
    } catch (error) {
      if (error instanceof RpcFault && error.status === Werror.ACCESS_DENIED) throw missingRight(undefined, error);
      throw error;
    }
    const reply = decodeGetNcChanges(stub);
    const failure = reply.status || reply.drsError;
    if (failure === Werror.DS_DRA_ACCESS_DENIED || failure === Werror.ACCESS_DENIED) throw missingRight(failure);
    if (failure !== 0) throw new DrsError('ERR_DRS_CALL_FAILED', `IDL_DRSGetNCChanges for ${request.dn} failed: ${werrorText(failure)}`, failure);
    return reply;
  }

  /**
   * Pages through a naming context from a watermark (MS-DRSR 4.1.10.4: each request resumes
   * at the previous reply's usnvecTo). Yields each page with the watermark to store once
   * the page is handled.
   */
  async *replicate(options: ReplicateOptions): AsyncGenerator<ReplicationPage> {
    const partialAttributeSet = attids(options.attributes);
    let invocationId = options.from?.invocationId;
    let from = options.from?.usn ?? USN_ZERO;
    for (;;) {
      const reply = await this.#explainDenied(options.nc, this.#getNcChanges({
        handle: this.handle,
        destinationDsa: this.#dsa,
        invocationId,
        dn: options.nc,
        from,
        flags: DrsOption.INIT_SYNC | DrsOption.WRIT_REP,
        maxObjects: options.pageSize ?? DEFAULT_PAGE_SIZE,
        partialAttributeSet,
        prefixTable: NO_PREFIX_TABLE,
      }));
      if (invocationId !== undefined && reply.invocationId !== invocationId && options.from) {
        // The DC was restored or is another DC: its USNs mean nothing against ours. Start over.
        invocationId = undefined;
        from = USN_ZERO;
        continue;
      }
      invocationId = reply.invocationId;
      from = reply.usnvecTo;
      yield { reply, watermark: { invocationId, usn: reply.usnvecTo } };
      if (!reply.moreData) return;
    }
  }

  /**
   * Samba and Windows answer the same WERR_DS_DRA_ACCESS_DENIED whichever right is
   * missing. To name it, a denied request is followed by a probe that needs only
   * "Replicating Directory Changes" (no DRS_WRIT_REP, so no secrets, MS-DRSR 4.1.10.5.1):
   * if the probe succeeds, "Replicating Directory Changes All" is what is missing.
   */
  async #explainDenied<T>(nc: string, call: Promise<T>): Promise<T> {
    try {
      return await call;
    } catch (error) {
      if (!(error instanceof DrsError) || error.code !== 'ERR_DRS_MISSING_RIGHT') throw error;
      const hasGetChanges = await this.#getNcChanges({
        handle: this.handle,
        destinationDsa: this.#dsa,
        dn: nc,
        flags: DrsOption.INIT_SYNC,
        maxObjects: 1,
        partialAttributeSet: attids([AttributeOid.objectClass]),
        prefixTable: NO_PREFIX_TABLE,
      }).then(() => true, () => false);
      throw missingRight(error.werror, error, hasGetChanges ? 'Replicating Directory Changes All' : 'Replicating Directory Changes');
    }
  }

  /** Reads one object by DN (EXOP_REPL_OBJ, MS-DRSR 4.1.10.4.1). */
  async readObject(dn: string, attributes: readonly string[]): Promise<GetNcChangesReply> {
    return this.#getNcChanges({
      handle: this.handle,
      destinationDsa: this.#dsa,
      dn,
      flags: DrsOption.INIT_SYNC | DrsOption.WRIT_REP,
      maxObjects: 1,
      extendedOp: ExtendedOp.REPL_OBJ,
      partialAttributeSet: attids(attributes),
      prefixTable: NO_PREFIX_TABLE,
    });
  }

  close(): void {
    this.handle.fill(0);
    this.connection.close();
  }
}

const RIGHT_NAMES = {
  'Replicating Directory Changes': 'DS-Replication-Get-Changes',
  'Replicating Directory Changes All': 'DS-Replication-Get-Changes-All',
} as const;

function missingRight(werror: number | undefined, cause?: unknown, right?: keyof typeof RIGHT_NAMES): DrsError {
  const what = right
    ? `the account lacks the "${right}" extended right (${RIGHT_NAMES[right]}) on the domain head`
    : 'the account needs the "Replicating Directory Changes" and "Replicating Directory Changes All" extended rights ' +
      '(DS-Replication-Get-Changes and DS-Replication-Get-Changes-All) on the domain head';
  return new DrsError('ERR_DRS_MISSING_RIGHT', `the DC refused directory replication${werror !== undefined ? ` (${werrorText(werror)})` : ''}: ${what}`, werror, { cause });
}

function mapAccessError(error: unknown, credentials: NtlmCredentials): unknown {
  // NTLM's auth3 has no answer: a failed logon shows as a fault on the first sealed call.
  if (error instanceof RpcFault && LOGON_FAILURE_STATUSES.has(error.status)) {
    return new DrsError('ERR_DRS_LOGON_FAILED', `the DC refused the NTLM logon of ${credentials.domain}\\${credentials.user} (${error.message}): check the user name and password`, error.status, { cause: error });
  }
  return error;
}
