/**
 * `canopy serve`: the service on one machine. One fastify app carries the Graph API with
 * its token endpoint (src/api) and the relay (src/relay); one SQLite file in the data
 * folder holds the directory, the engine's sync state and the relay's registry, or with
 * `--store postgres://…` a Postgres schema shared by several nodes (serve-backend.ts). The engine
 * and its scheduler run inside: the API tells it when jobs change, it reaches the agents
 * through the relay, and `close()` stops it first, waiting for a running cycle to reach a
 * page boundary (its committed pages and watermark stand), before the sockets and files close.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { canopyApiPlugin } from '../api/app.ts';
import { bootstrapDataFolder } from '../api/auth/bootstrap.ts';
import { createTokenSigner, type TokenSigner } from '../api/auth/verify.ts';
import { CanopyError } from '../core/errors.ts';
import { readSecretFile } from '../core/private-files.ts';
import type { DirectoryStore } from '../directory/store.ts';
import { RELAY_PATHS } from '../relay/defaults.ts';
import { registerRelay, type Relay, type RelayOptions } from '../relay/relay.ts';
import { SyncEngine, quarantineFromSecrets, thresholdFromSecrets } from '../engine/engine.ts';
import { createScimChangeSource } from '../engine/scim-change-source.ts';
import { HTTP_DEFAULTS, type HttpLimits, type ThrottleLimits } from '../api/http-limits.ts';
import { RequestThrottle } from '../api/throttle.ts';
import { createPasswordHashSource } from '../engine/password-hash/password-hash-source.ts';
import { openServiceBackend } from './serve-backend.ts';
import { closeWithGrace, httpServerOptions, limitConnections } from './http-server.ts';
import { Notifier } from '../engine/notifications/notifier.ts';
import { createMailSender, type SmtpOptions } from './serve-mail.ts';
import { isLoopback, parseListen } from './listen.ts';
import { configurePublicOrigin, parsePublicUrl } from '../api/public-origin.ts';
import { adminStatusRoutes } from './status-route.ts';
import { portalRoutes } from './portal-route.ts';
import { createSignIn } from '../identity/sign-in.ts';

export { isLoopback, parseListen };

export interface ServeOptions {
  readonly dataDir: string;
  /** HOST:PORT; port 0 picks a free one. */
  readonly listen: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  /** The key sealing sync secrets at rest; default DATA/sync-secrets.key. */
  readonly secretsKeyFile?: string;
  /**
   * The origin clients reach the service at (https://canopy.example.com): every absolute URL
   * the service writes starts with it (api/public-origin.ts). Required off loopback.
   */
  readonly publicUrl?: string;
  /** A postgres:// URL (several nodes share it); absent: SQLite in the data folder. */
  readonly store?: string;
  /** The mail server for notification email (serve-mail.ts); absent: no email. */
  readonly smtp?: SmtpOptions;
  /** First retry delay of an email the mail server refused (default 30 s, doubling). */
  readonly mailRetryMs?: number;
  /** Where the service reports what it does beside the API (notification email). */
  readonly log?: (line: string) => void;
  /** Relay timings (tests shorten them). */
  readonly relay?: Partial<Omit<RelayOptions, 'registry' | 'authenticateAdmin'>>;
  /** HTTP server bounds over HTTP_DEFAULTS (api/http-limits.ts). */
  readonly http?: Partial<HttpLimits>;
  /** Admission bounds per application and tenant over THROTTLE_DEFAULTS. */
  readonly throttle?: Partial<ThrottleLimits>;
  /**
   * Structured request logging (pino, JSON lines on stdout, each with the request id that
   * Graph's `request-id` header carries; 5xx with their error): a pino level, or absent for
   * none (in-process tests). `canopy serve` gives CANOPY_LOG_LEVEL, default info.
   */
  readonly logLevel?: LogLevel;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Service {
  readonly app: FastifyInstance;
  readonly relay: Relay;
  readonly store: DirectoryStore;
  readonly engine: SyncEngine;
  /** Sends the notification email; absent without --smtp-host. */
  readonly notifier?: Notifier;
  readonly url: string;
  readonly tenantId: string;
  readonly bootstrapPath?: string;
  close(): Promise<void>;
}

/** How often a node of several re-reads the jobs from the shared store. */
const JOB_RELOAD_MS = 5_000;

/** Roles of the admin application that may manage agents (Graph permission names). */
const AGENT_ADMIN_ROLES = ['Directory.ReadWrite.All', 'Synchronization.ReadWrite.All'];

/**
 * Admin verbs accept the service's own access tokens with an admin role (src/api/auth), of a
 * tenant that exists: a token outlives nothing, as on the Graph routes (api/authentication.ts),
 * so a registration token is never issued, nor agents shown, for a tenant that is gone.
 */
function adminAuthenticator(signer: TokenSigner, store: DirectoryStore) {
  return async (request: FastifyRequest) => {
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    if (!match) return undefined;
    try {
      const claims = await signer.verifyAccessToken(match[1]!);
      if (!claims.roles.some((role) => AGENT_ADMIN_ROLES.includes(role))) return undefined;
      return (await store.getTenant(claims.tenantId)) ? { tenantId: claims.tenantId } : undefined;
    } catch {
      return undefined;
    }
  };
}

export async function startService(options: ServeOptions): Promise<Service> {
  const { host, port } = parseListen(options.listen);
  if ((options.tlsCert === undefined) !== (options.tlsKey === undefined)) {
    throw new CanopyError('ERR_CONFIG_INVALID', '--tls-cert and --tls-key go together');
  }
  const tls = options.tlsCert && options.tlsKey ? { cert: readFileSync(options.tlsCert), key: readSecretFile(options.tlsKey, '--tls-key') } : undefined;
  if (!tls && !isLoopback(host)) {
    throw new CanopyError('ERR_CONFIG_INVALID', `--listen ${options.listen}: refusing to serve the API and the agents' relay without TLS on a non-loopback address; give --tls-cert and --tls-key (plain http/ws is for loopback only)`);
  }
  let publicUrl: string | undefined;
  try {
    publicUrl = options.publicUrl === undefined || options.publicUrl === '' ? undefined : parsePublicUrl(options.publicUrl);
  } catch (error) {
    throw new CanopyError('ERR_CONFIG_INVALID', (error as Error).message);
  }
  // Off loopback, clients use a name the service cannot learn but from the Host header,
  // which it never copies into tokens and links (api/public-origin.ts): it must be told.
  if (!publicUrl && !isLoopback(host)) {
    throw new CanopyError('ERR_CONFIG_INVALID', `--listen ${options.listen}: a non-loopback address needs --public-url (the https origin clients use, e.g. https://canopy.example.com), which tokens, metadata and links are written with`);
  }
  // Checked before anything opens: a bad mail option is a start-up error naming it.
  const sender = options.smtp ? await createMailSender(options.smtp) : undefined;
  const backend = await openServiceBackend({ dataDir: options.dataDir, store: options.store, secretsKeyFile: options.secretsKeyFile });
  const { store, syncStore } = backend;
  const signer = createTokenSigner(backend.signingKey);
  // The https and http instances differ only in their server type; routes see the same API.
  // Graph's request-id is a GUID (innerError and the request-id header).
  const genReqId = () => randomUUID();
  const limits: HttpLimits = Object.freeze({ ...HTTP_DEFAULTS, ...options.http });
  const app = Fastify({ ...httpServerOptions(limits, tls), genReqId, ...(options.logLevel ? { logger: { level: options.logLevel } } : {}) }) as unknown as FastifyInstance;
  limitConnections(app.server, limits);
  // The engine needs the relay, which registers on the app after the API: bound late.
  const late: { engine?: SyncEngine; tenantId?: string; url?: string } = {};
  configurePublicOrigin(app, { ...(publicUrl ? { publicUrl } : {}), fallback: () => late.url ?? `${tls ? 'https' : 'http'}://localhost` });
  const signIn = createSignIn({ directory: store, identity: backend.identity, signingJwk: backend.signingKey.privateJwk, issuer: (tenantId, origin) => signer.issuer(tenantId, origin) });
  await app.register(canopyApiPlugin, {
    store,
    auth: signer,
    signIn,
    throttle: new RequestThrottle(options.throttle),
    onSynchronizationEvent: (event) => late.engine?.onSynchronizationEvent(event),
    provisionOnDemand: (tenantId, jobId, subject) => late.engine!.provisionOnDemand(tenantId, jobId, subject),
    discoverDirectory: (tenantId, jobId, directoryId) => late.engine!.discoverDirectory(tenantId, jobId, directoryId),
  });
  await app.register(portalRoutes({ tenantId: () => late.tenantId }));
  const authenticateAdmin = adminAuthenticator(signer, store);
  const relay = await registerRelay(app, { ...options.relay, registry: backend.registry, authenticateAdmin });
  const toAgent = (tenantId: string, request: Parameters<typeof relay.request>[1]) => relay.request(tenantId, request);
  const syncEngine = new SyncEngine({
    store: syncStore,
    deleteThresholdFor: thresholdFromSecrets(store),
    quarantinePolicyFor: quarantineFromSecrets(store),
    ...(backend.exclusive ? { exclusive: backend.exclusive } : {}),
    source: createScimChangeSource(toAgent),
    passwordHashSource: createPasswordHashSource(toAgent),
  });
  late.engine = syncEngine;
  const notifier = sender && options.smtp
    ? new Notifier({ directory: store, outbox: syncStore.outbox, sender, from: options.smtp.from, ...(options.mailRetryMs !== undefined ? { retryMs: options.mailRetryMs } : {}), ...(options.log ? { log: options.log } : {}) })
    : undefined;
  if (notifier) {
    syncEngine.on('quarantineChanged', (event) => void notifier.quarantineChanged(event).catch((error: unknown) => options.log?.(`notification failed: ${error instanceof Error ? error.message : String(error)}`)));
  }
  // Near-real-time: an agent's change signal, or an agent connecting, wakes the domain's jobs.
  relay.events.on('agent.changed', ({ tenantId, domain }: { tenantId: string; domain: string }) => syncEngine.wake(tenantId, domain, 'notification'));
  relay.events.on('agent.connected', ({ tenantId, domains }: { tenantId: string; domains: readonly string[] }) => {
    for (const domain of domains) syncEngine.wake(tenantId, domain, 'agentConnected');
  });
  await app.register(adminStatusRoutes({ store, relay, engine: syncEngine, authenticate: authenticateAdmin }));
  await syncEngine.load();
  await app.listen({ host, port });
  syncEngine.start();
  // Email an earlier run queued while the mail server was down goes out now.
  notifier?.start();
  // Several nodes: a job created, started or paused through another node's API reaches this
  // node's scheduler at the next re-read (the lease decides which node runs a cycle).
  const reload = backend.exclusive ? setInterval(() => void syncEngine.load().catch(() => undefined), JOB_RELOAD_MS) : undefined;
  reload?.unref();
  const address = app.server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const url = `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${actualPort}`;
  late.url = url;
  const bootstrap = await backend.once(() => bootstrapDataFolder({ store, dataDir: options.dataDir, apiUrl: publicUrl ?? url, identity: backend.identity }));
  late.tenantId = bootstrap.tenantId;
  // Once: a second signal during shutdown waits for the first close instead of closing twice.
  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    clearInterval(reload);
    await syncEngine.stop();
    notifier?.stop();
    await closeWithGrace(app, limits);
    await backend.close();
  };
  return {
    app,
    relay,
    store,
    engine: syncEngine,
    ...(notifier ? { notifier } : {}),
    url,
    tenantId: bootstrap.tenantId,
    bootstrapPath: bootstrap.bootstrapPath,
    close() {
      closing ??= close();
      return closing;
    },
  };
}

/** The line `canopy serve` prints when ready; tests and scripts read the URL from it. */
export function readyLine(service: Service): string {
  const relayUrl = new URL(RELAY_PATHS.connect, service.url);
  relayUrl.protocol = relayUrl.protocol === 'https:' ? 'wss:' : 'ws:';
  return `canopy: serving ${service.url} (tenant ${service.tenantId}; agents connect to ${relayUrl}; admin portal ${new URL('/portal/', service.url).href}; admin credentials in ${service.bootstrapPath ?? 'bootstrap.json (removed)'})`;
}
