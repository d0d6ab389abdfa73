/**
 * The AD reader: one bound connection (re-opened with failover when it drops), full
 * reads, searches and base reads of the scoped objects, and incremental reads from an
 * opaque watermark with DirSync or, without the right to it, uSNChanged.
 */
import type { Client, Filter } from 'ldapts';
import type { AdChangePage, AdObject, AdObjectClass, AdResetReason } from '../core/ad-object.ts';
import type { AdSchemaDiscovery } from '../core/ad-schema.ts';
import { CanopyError, isCanopyError } from '../core/errors.ts';
import { resolveBindAccountDn } from './bind-account.ts';
import { BindCredentials } from './bind-credentials.ts';
import { toPages, upserts } from './change-pages.ts';
import { connect, type AdConnection } from './connection.ts';
import { normalizeDn } from './dn.ts';
import { isGuid } from './decode.ts';
import { currentDirSyncCookie, dirSyncChanges, dirSyncSearch } from './dirsync.ts';
import { BUFFER_ATTRIBUTES, IDENTITY_ATTRIBUTES } from './entry.ts';
import { and, parseFilter } from './filter.ts';
import { ldapResultCode, ResultCode } from './ldap-errors.ts';
import type { AdReaderOptions } from './options.ts';
import { ReadContext, resolveOptions, type ResolvedOptions } from './read-context.ts';
import { checkBaseDn, readDcInfo, readRootDse, type DcInfo } from './root-dse.ts';
import { readAdSchema } from './schema.ts';
import { searchEntries } from './search.ts';
import { usnChanges } from './usn.ts';
import { decodeWatermark, encodeWatermark, scopeKey, type WatermarkState } from './watermark.ts';

/** Connects and binds with the password as it is now, recording what AD said of it. */
async function bindWith(credentials: BindCredentials, options: AdReaderOptions): Promise<AdConnection> {
  const password = credentials.current();
  try {
    const connection = await connect({ ...options, password, readPassword: undefined });
    credentials.accepted();
    return connection;
  } catch (error) {
    if (isCanopyError(error, 'ERR_AD_INVALID_CREDENTIALS')) credentials.refused(password, error.message);
    throw error;
  }
}

const ALL_CLASSES: readonly AdObjectClass[] = ['user', 'computer', 'group', 'organizationalUnit', 'contact'];

export interface AdServerInfo {
  readonly url: string;
  readonly invocationId?: string;
  readonly highestCommittedUSN?: string;
  readonly dnsHostName?: string;
}

export class AdReader {
  private connection: AdConnection;
  private info: DcInfo;
  private reconnecting?: Promise<Client>;
  private closed = false;
  private readonly credentials: BindCredentials;
  private readonly ctx: ReadContext;
  private readonly resolved: ResolvedOptions;

  private constructor(
    private readonly options: AdReaderOptions,
    connection: AdConnection,
    info: DcInfo,
    /** The sync account's DN as the DC resolved its bind name (bind-account.ts). */
    readonly bindAccountDn: string | undefined,
    credentials: BindCredentials,
  ) {
    this.credentials = credentials;
    this.connection = connection;
    this.info = info;
    this.resolved = resolveOptions(options);
    const excluded = [...(options.excludeDns ?? []), options.bindDn, ...(bindAccountDn ? [bindAccountDn] : [])];
    this.ctx = new ReadContext(this.resolved, excluded, () => this.client());
  }

  /**
   * Connects (with failover), binds, checks that baseDn is a naming context of the DC, and
   * resolves the sync account's DN so that it is never read, whatever form its bind name has.
   * `credentials` is passed by a caller that connects again after a failure (the agent), so
   * that what AD refused is remembered across attempts.
   */
  static async connect(options: AdReaderOptions, credentials: BindCredentials = BindCredentials.of(options)): Promise<AdReader> {
    const resolved = resolveOptions(options);
    const connection = await bindWith(credentials, options);
    try {
      const info = await readDcInfo(connection.client, connection.url);
      checkBaseDn(info, resolved.baseDn, resolved.scopeDns);
      return new AdReader(options, connection, info, await resolveBindAccountDn(connection.client, options.bindDn, resolved.baseDn), credentials);
    } catch (error) {
      await connection.client.unbind().catch(() => undefined);
      throw error;
    }
  }

  get server(): AdServerInfo {
    const { url, invocationId, highestCommittedUSN, dnsHostName } = this.info;
    return { url, invocationId, highestCommittedUSN, dnsHostName };
  }

  /**
   * The bound client; a dropped connection is replaced by a fresh one (never reused unbound).
   * When a credential check is due, AD is asked first whether the password still holds
   * (bind-credentials.ts); a refused password closes the connection, so that nothing is read
   * with credentials AD no longer accepts, and every call fails with ERR_AD_INVALID_CREDENTIALS
   * until the password is corrected.
   */
  private async client(): Promise<Client> {
    if (this.closed) throw new CanopyError('ERR_AD_UNREACHABLE', 'the AD reader is closed');
    if (this.connection.client.isBound && !this.credentials.checkDue) return this.connection.client;
    this.reconnecting ??= (async () => {
      try {
        if (this.connection.client.isBound) {
          await this.checkCredentials();
          return this.connection.client;
        }
        const connection = await bindWith(this.credentials, this.options);
        const info = await readDcInfo(connection.client, connection.url);
        checkBaseDn(info, this.resolved.baseDn, this.resolved.scopeDns);
        await this.connection.client.unbind().catch(() => undefined);
        this.connection = connection;
        this.info = info;
        return connection.client;
      } finally {
        this.reconnecting = undefined;
      }
    })();
    return this.reconnecting;
  }

  /** Binds on a connection of its own and closes it; a refusal also closes the working one. */
  private async checkCredentials(): Promise<void> {
    try {
      const check = await bindWith(this.credentials, this.options);
      await check.client.unbind().catch(() => undefined);
    } catch (error) {
      if (isCanopyError(error, 'ERR_AD_INVALID_CREDENTIALS')) {
        await this.connection.client.unbind().catch(() => undefined);
        throw error;
      }
      // Any other failure (the DC unreachable for a moment) leaves the working connection be,
      // its own operations say whether it still works, and the check waits for its next turn.
      this.credentials.postpone();
    }
  }

  /** Every in-scope object of the classes (default: users, groups, OUs), page by page, groups last. */
  async *readAll(options: { classes?: AdObjectClass[] } = {}): AsyncGenerator<AdObject> {
    for await (const objects of this.ctx.fullReadPages(options.classes ?? this.resolved.classes)) yield* objects;
  }

  /**
   * A scoped, paged search; `filter` is an RFC 4515 filter whose values are escaped.
   * `attributes` narrows what is read besides the identity attributes (e.g. [] to count).
   */
  async *search(options: { filter: string; classes?: AdObjectClass[]; pageSize?: number; attributes?: readonly string[] }): AsyncGenerator<AdObject> {
    const combined: Filter = parseFilter(and(this.ctx.objectFilter(options.classes ?? this.resolved.classes), options.filter));
    for (const base of this.resolved.scopeDns) {
      for await (const objects of this.ctx.objectPages(base, combined, options.pageSize, options.attributes)) yield* objects;
    }
  }

  /** One object by GUID or DN, when it exists, is in scope and is not excluded. */
  async readObject(ref: { objectGuid: string } | { dn: string }): Promise<AdObject | undefined> {
    let base: string;
    if ('objectGuid' in ref) {
      if (!isGuid(ref.objectGuid)) throw new TypeError(`objectGuid: not a GUID: ${JSON.stringify(ref.objectGuid)}`);
      base = `<GUID=${ref.objectGuid.toLowerCase()}>`; // MS-ADTS 3.1.1.3.1.2.4
    } else {
      base = ref.dn;
    }
    const client = await this.client();
    try {
      const entries = await searchEntries(
        client,
        { base, scope: 'base', filter: this.ctx.objectFilter(ALL_CLASSES), attributes: this.ctx.readAttributes, explicitBufferAttributes: BUFFER_ATTRIBUTES },
        this.resolved.maxValueRange,
      );
      return entries[0] ? this.ctx.toObject(entries[0]) : undefined;
    } catch (error) {
      const code = ldapResultCode((error as { cause?: unknown }).cause);
      if (code === ResultCode.noSuchObject || code === ResultCode.referral) return undefined;
      throw error;
    }
  }

  /**
   * Many objects by DN at once (batched searches, not one base read each), e.g. to
   * resolve a group's member DNs. `attributes` narrows what is read (the identity
   * attributes are always read). The map is keyed by the DN strings as given; objects
   * missing, out of scope or excluded are absent from it.
   */
  async readObjectsByDn(dns: readonly string[], options: { attributes?: readonly string[] } = {}): Promise<Map<string, AdObject>> {
    const attributes = options.attributes ? [...IDENTITY_ATTRIBUTES, ...options.attributes] : this.ctx.readAttributes;
    const asked = new Map<string, string[]>();
    for (const dn of dns) {
      const key = normalizeDn(dn);
      asked.set(key, [...(asked.get(key) ?? []), dn]);
    }
    const entries = await this.ctx.readByDns([...asked.values()].map((same) => same[0] as string), attributes);
    const objects = new Map<string, AdObject>();
    for (const [key, entry] of entries) {
      const object = this.ctx.toObject(entry);
      if (object) for (const dn of asked.get(key) ?? []) objects.set(dn, object);
    }
    return objects;
  }

  /** What the forest's schema lets each named class hold (schema.ts; schema discovery). */
  async readSchema(classNames: readonly string[]): Promise<AdSchemaDiscovery> {
    return readAdSchema(await this.client(), classNames, this.resolved.pageSize);
  }

  /**
   * Changes since `watermark`, page by page; no watermark (or '') starts with a full read.
   * See AdChangePage.reset for the full re-reads a watermark can lead to.
   */
  async *readChanges(watermark?: string): AsyncGenerator<AdChangePage> {
    const state = decodeWatermark(watermark);
    const scope = this.scopeKey();
    if (!state) return yield* this.fullRead('initial', '');
    const from = watermark as string;
    if (state.scope !== scope) return yield* this.fullRead('scope-changed', from);
    if (state.mode === 'usn') {
      if (this.resolved.changeMode === 'dirsync') return yield* this.fullRead('mode-changed', from);
      return yield* this.usnRead(state, from);
    }
    if (this.resolved.changeMode === 'usn') return yield* this.fullRead('mode-changed', from);
    yield* this.dirSyncRead(state, from);
  }

  private scopeKey(): string {
    return scopeKey(this.resolved.baseDn, this.resolved.scopeDns, this.resolved.classes);
  }

  private async *dirSyncRead(state: Extract<WatermarkState, { mode: 'dirsync' }>, from: string): AsyncGenerator<AdChangePage> {
    let cookie: Buffer = Buffer.from(state.cookie, 'base64');
    let current = from;
    for (;;) {
      let answer;
      try {
        answer = await dirSyncSearch(this.ctx, cookie, []);
      } catch (error) {
        if (this.resolved.changeMode === 'auto' && isCanopyError(error, 'ERR_AD_INSUFFICIENT_RIGHTS')) return yield* this.fullRead('mode-changed', from);
        throw error;
      }
      const next = encodeWatermark({ mode: 'dirsync', cookie: answer.cookie.toString('base64'), invocationId: this.info.invocationId, scope: this.scopeKey() });
      yield* toPages(dirSyncChanges(this.ctx, answer.entries), this.resolved.pageSize, { interim: current, final: next, moreAfter: answer.more });
      if (!answer.more) return;
      cookie = answer.cookie;
      current = next;
    }
  }

  private async *usnRead(state: Extract<WatermarkState, { mode: 'usn' }>, from: string): AsyncGenerator<AdChangePage> {
    const end = await this.usnNow();
    // uSNChanged values of another DC (or of this one restored from backup) say nothing
    // about this DC's changes: read everything again, and say so.
    if (state.invocationId !== end.invocationId) return yield* this.fullRead('dc-changed', from);
    yield* toPages(usnChanges(this.ctx, state.usn), this.resolved.pageSize, { interim: from, final: () => this.sameDc(end), moreAfter: false });
  }

  /** The DC's highestCommittedUSN now, read before the changes so none is missed. */
  private async usnNow(): Promise<WatermarkState & { mode: 'usn' }> {
    const client = await this.client();
    const root = await readRootDse(client, this.info.url);
    this.info = { ...this.info, highestCommittedUSN: root.highestCommittedUSN };
    if (!root.highestCommittedUSN) throw new CanopyError('ERR_AD_PROTOCOL', `${this.info.url} has no highestCommittedUSN in its rootDSE`);
    return { mode: 'usn', usn: root.highestCommittedUSN, invocationId: this.info.invocationId, scope: this.scopeKey() };
  }

  /** The final watermark of a uSNChanged read, refused if the DC changed under the read. */
  private sameDc(end: WatermarkState): string {
    if (end.invocationId !== this.info.invocationId) {
      throw new CanopyError('ERR_AD_UNREACHABLE', `the connection moved to another DC (${this.info.url}) during a uSNChanged read; read again from the last watermark`);
    }
    return encodeWatermark(end);
  }

  /**
   * A full read: first the watermark for "now" (a DirSync cookie, or highestCommittedUSN
   * when the account may not use DirSync), then every in-scope object. Whatever changes
   * during the read is read again by the next incremental read.
   */
  private async *fullRead(reason: AdResetReason, from: string): AsyncGenerator<AdChangePage> {
    let end: string | (() => string) | undefined;
    if (this.resolved.changeMode !== 'usn') {
      try {
        const cookie = await currentDirSyncCookie(this.ctx);
        end = encodeWatermark({ mode: 'dirsync', cookie: cookie.toString('base64'), invocationId: this.info.invocationId, scope: this.scopeKey() });
      } catch (error) {
        if (!(this.resolved.changeMode === 'auto' && isCanopyError(error, 'ERR_AD_INSUFFICIENT_RIGHTS'))) throw error;
      }
    }
    if (end === undefined) {
      const usn = await this.usnNow();
      end = () => this.sameDc(usn);
    }
    const objects = upserts(this.ctx.fullReadPages());
    yield* toPages(objects, this.resolved.pageSize, { interim: from, final: end, moreAfter: false, reset: reason });
  }

  /**
   * A cheap test for changes, to wake a sync where change notifications are slow: an
   * incremental DirSync from `cookie` (the first call, without one, takes the cookie for
   * "now" and reports nothing). It keeps nothing but the next cookie; `changed` is whether
   * any object of the read's classes changed since. No attribute list, as for the delta
   * read: with one (objectGUID) Samba reports only objects whose listed attributes changed.
   * On an idle 10k-user Samba domain one poll costs the DC 3–5 ms (change-notification-facts.md).
   */
  async pollChanges(cookie?: Buffer): Promise<{ changed: boolean; cookie: Buffer }> {
    if (!cookie) return { changed: false, cookie: await currentDirSyncCookie(this.ctx) };
    let next = cookie;
    for (;;) {
      const answer = await dirSyncSearch(this.ctx, next, []);
      next = answer.cookie;
      if (answer.entries.length > 0) return { changed: true, cookie: next };
      if (!answer.more) return { changed: false, cookie: next };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.connection.client.unbind().catch(() => undefined);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
