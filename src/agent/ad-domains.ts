/**
 * One SCIM handler per configured AD domain, each over its own AD reader. The reader
 * connects on the first request and again after a failure, so an agent starts (and stays
 * connected to the service) while a DC is down; requests meanwhile answer SCIM 503.
 */
import { BindCredentials } from '../ad/bind-credentials.ts';
import { AdReader } from '../ad/reader.ts';
import type { AdObjectClass } from '../core/ad-object.ts';
import { isCanopyError } from '../core/errors.ts';
import { scimErrors } from '../scim/scim-error.ts';
import { readBindPassword, type AgentConfig, type DomainConfig } from './config.ts';
import type { DomainHandler } from './dispatch.ts';
import { ReplicationClient } from '../drs/replication-client.ts';
import { scimErrorBody } from '../scim/scim-error.ts';
import { createPasswordHashHandler, isPasswordHashRequest, type PasswordHashHandler } from './password-hash/password-hash-handler.ts';
import { createScimHandler, type AdSource, type ScimHandler } from './scim-service.ts';

export interface AdDomains {
  readonly handlers: ReadonlyMap<string, DomainHandler>;
  /** The SCIM handler of each domain, for the local listener (--scim-listen). */
  readonly scim: ReadonlyMap<string, ScimHandler>;
  /** Each domain's reader, connected on first use (the change poll shares it with the SCIM service). */
  readonly readers: ReadonlyMap<string, () => Promise<AdReader>>;
  close(): Promise<void>;
}

class LazyReader {
  #reader: Promise<AdReader> | undefined;
  readonly #domain: DomainConfig;
  readonly #readPassword: () => string;
  /** Kept across connect attempts: a password AD refused is not presented again at once. */
  readonly #credentials: BindCredentials;

  constructor(domain: DomainConfig, env: NodeJS.ProcessEnv, events: AdDomainEvents) {
    this.#domain = domain;
    // Read at each bind, on the agent; never stored in the config object nor sent. A password
    // corrected in ad.passwordFile is therefore taken at the next bind, without a restart.
    this.#readPassword = () => readBindPassword(domain.ad, env);
    this.#credentials = BindCredentials.of(
      { password: '', readPassword: this.#readPassword, credentialCheckMs: domain.ad.credentialCheckSeconds * 1000 },
      (message) => events.onBindRefused?.(domain.name, message),
    );
  }

  get(): Promise<AdReader> {
    const { ad } = this.#domain;
    this.#reader ??= Promise.resolve()
      .then(() =>
        AdReader.connect(
          {
            urls: [...ad.urls],
            bindDn: ad.bindDn,
            password: this.#readPassword(),
            readPassword: this.#readPassword,
            credentialCheckMs: ad.credentialCheckSeconds * 1000,
            caFile: ad.caFile,
            startTls: ad.startTls,
            baseDn: ad.baseDn,
            scopeDns: ad.scopeDns ? [...ad.scopeDns] : undefined,
            pageSize: ad.pageSize,
          },
          this.#credentials,
        ),
      )
      .catch((error: unknown) => {
        this.#reader = undefined;
        // The code in the detail lets the service name the failure (a refused password, an
        // untrusted certificate) in the job's status rather than a bare 503.
        const code = isCanopyError(error) ? ` (${error.code})` : '';
        throw scimErrors.unavailable(`AD domain ${this.#domain.name} is unavailable${code}: ${(error as Error).message}`, error);
      });
    return this.#reader;
  }

  async close(): Promise<void> {
    const reader = await this.#reader?.catch(() => undefined);
    await reader?.close();
  }
}

/** An AdSource over a lazily connected reader (the shape scim-service.ts reads through). */
function lazySource(lazy: LazyReader): AdSource {
  return {
    async *search(options) {
      const reader = await lazy.get();
      yield* reader.search({ ...options, classes: options.classes ? ([...options.classes] as AdObjectClass[]) : undefined });
    },
    async readObject(key) {
      return (await lazy.get()).readObject(key);
    },
    async readObjectsByDn(dns, options) {
      return (await lazy.get()).readObjectsByDn(dns, options);
    },
    async *readChanges(watermark) {
      yield* (await lazy.get()).readChanges(watermark);
    },
    async readSchema(classNames) {
      return (await lazy.get()).readSchema(classNames);
    },
  };
}

/** The domain's password hash reader, when its configuration enables password hash sync. */
function passwordHashHandler(domain: DomainConfig, env: NodeJS.ProcessEnv): PasswordHashHandler | undefined {
  const phs = domain.passwordHashSync;
  if (!phs) return undefined;
  const host = phs.host ?? new URL(domain.ad.urls[0]!).hostname;
  return createPasswordHashHandler({
    nc: domain.ad.baseDn,
    pageSize: phs.pageSize,
    // The password is read per session, on the agent, like the LDAP bind's.
    connect: () => ReplicationClient.connect({ host, credentials: { user: phs.user, domain: phs.netbiosDomain, password: readBindPassword(domain.ad, env) } }),
  });
}

export interface AdDomainEvents {
  /** AD refused the sync account's password (once per refusal; repeats are held back). */
  onBindRefused?(domain: string, message: string): void;
}

export function createAdDomains(config: AgentConfig, env: NodeJS.ProcessEnv = process.env, events: AdDomainEvents = {}): AdDomains {
  const handlers = new Map<string, DomainHandler>();
  const scim = new Map<string, ScimHandler>();
  const readerOf = new Map<string, () => Promise<AdReader>>();
  const readers: LazyReader[] = [];
  const passwordHashHandlers: PasswordHashHandler[] = [];
  for (const domain of config.domains) {
    const lazy = new LazyReader(domain, env, events);
    readers.push(lazy);
    readerOf.set(domain.name, () => lazy.get());
    const handler = createScimHandler({ source: lazySource(lazy) });
    scim.set(domain.name, handler);
    const passwordHashes = passwordHashHandler(domain, env);
    if (passwordHashes) passwordHashHandlers.push(passwordHashes);
    handlers.set(domain.name, async (request) => {
      if (isPasswordHashRequest(request.path)) {
        if (passwordHashes) return passwordHashes(request);
        return { status: 404, body: scimErrorBody(404, undefined, `password hash sync is not enabled for ${domain.name} on this agent: add a passwordHashSync block to the domain in its configuration (docs/password-hash-sync.md)`) };
      }
      const response = await handler({ method: request.method, path: request.path, query: request.query, body: request.body });
      return { status: response.status, body: response.body };
    });
  }
  return {
    handlers,
    scim,
    readers: readerOf,
    async close() {
      for (const handler of passwordHashHandlers) handler.close();
      await Promise.all(readers.map((reader) => reader.close().catch(() => undefined)));
    },
  };
}
