/** What `canopy serve` does; loaded only when it runs (serve-command.ts). */
import { escapeForLog } from '../core/log-text.ts';
import type { CycleResult } from '../engine/cycle.ts';
import type { QuarantineChange } from '../engine/job-status.ts';
import type { SmtpOptions, SmtpSecurity } from './serve-mail.ts';
import { LOG_LEVELS, readyLine, startService, type LogLevel, type Service } from './serve.ts';
import type { ServeCliOptions } from './serve-command.ts';
import { httpLimitsFromEnv, throttleLimitsFromEnv } from './http-limits-env.ts';

/** One log line; what agents, clients and the directory put in it is escaped (core/log-text.ts). */
const log = (line: string): void => void process.stdout.write(`${new Date().toISOString()} canopy: ${escapeForLog(line)}\n`);
/** The relay's lines, as they were (tests and operators read them), escaped the same way. */
const say = (line: string): void => console.log(`canopy: ${escapeForLog(line)}`);

/** One line per cycle start and end: operators (and the end-to-end tests) follow cycles here. */
function logCycles(service: Service): void {
  service.engine.on('cycleStarted', ({ key, trigger }: { key: string; trigger: string }) => log(`cycle of job ${key} started (${trigger})`));
  service.engine.on('cycleResult', ({ tenantId, jobId, result }: { tenantId: string; jobId: string; result: CycleResult }) => {
    const e = result.execution;
    log(`cycle ${result.cycleId} of job ${tenantId}/${jobId} ${e.state}: ${result.mode}, ${result.pages} pages, imported ${e.countImported}, exported ${e.countExported}, escrowed ${e.countEscrowed}${result.stagedDeletes?.pending ? `, ${result.stagedDeletes.pending} deletes staged` : ''}`);
  });
  service.engine.on('quarantineChanged', ({ tenantId, jobId, change }: { tenantId: string; jobId: string; change: QuarantineChange }) => {
    log(`job ${tenantId}/${jobId} ${change.kind === 'entered' ? 'quarantined' : 'out of quarantine'}: ${change.reason}`);
  });
  service.engine.on('cycleSkipped', ({ tenantId, jobId }: { tenantId: string; jobId: string }) => log(`cycle of job ${tenantId}/${jobId} skipped: another node holds its lease`));
  service.engine.on('cycleFailed', ({ key, error }: { key: string; error: unknown }) => {
    const code = (error as { code?: string } | undefined)?.code;
    log(`cycle of job ${key} failed: ${code ? `${code}: ` : ''}${error instanceof Error ? error.message : String(error)}`);
  });
}

/** CANOPY_LOG_LEVEL: the request log's level (pino), default info; `silent` turns it off. */
function logLevel(): LogLevel {
  const value = process.env.CANOPY_LOG_LEVEL;
  if (value === undefined || value === '') return 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(value)) throw new TypeError(`CANOPY_LOG_LEVEL: one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(value)}`);
  return value as LogLevel;
}

/** Relay timings from the environment, for tests and tuning (milliseconds). */
function relayTimings(): Record<string, number> {
  const timings: Record<string, number> = {};
  const names = { CANOPY_RELAY_HEARTBEAT_MS: 'heartbeatIntervalMs', CANOPY_RELAY_DOWN_AFTER_MS: 'downAfterMs', CANOPY_RELAY_REQUEST_TIMEOUT_MS: 'requestTimeoutMs' } as const;
  for (const [env, option] of Object.entries(names)) {
    const value = process.env[env];
    if (value !== undefined && /^\d+$/.test(value)) timings[option] = Number(value);
  }
  return timings;
}

/** The --smtp-* options as serve-mail.ts takes them; undefined without --smtp-host. */
function smtpOptions(options: ServeCliOptions): SmtpOptions | undefined {
  if (!options.smtpHost) return undefined;
  if (options.smtpPort !== undefined && !/^\d+$/.test(options.smtpPort)) throw new TypeError(`--smtp-port ${options.smtpPort}: a port number`);
  return {
    host: options.smtpHost,
    ...(options.smtpPort !== undefined ? { port: Number(options.smtpPort) } : {}),
    ...(options.smtpSecurity !== undefined ? { security: options.smtpSecurity as SmtpSecurity } : {}),
    ...(options.smtpUser !== undefined ? { user: options.smtpUser } : {}),
    ...(options.smtpPasswordFile !== undefined ? { passwordFile: options.smtpPasswordFile } : {}),
    from: options.smtpFrom ?? '',
    ...(options.smtpCaFile !== undefined ? { caFile: options.smtpCaFile } : {}),
  };
}

export async function runServe(options: ServeCliOptions): Promise<void> {
  if (!options.data) throw new TypeError('--data <dir> is required (or CANOPY_DATA_DIR)');
  const retry = process.env.CANOPY_SMTP_RETRY_MS;
  const smtp = smtpOptions(options);
  const service = await startService({
    dataDir: options.data, listen: options.listen, tlsCert: options.tlsCert, tlsKey: options.tlsKey, store: options.store, secretsKeyFile: options.secretsKeyFile, publicUrl: options.publicUrl, relay: relayTimings(), http: httpLimitsFromEnv(), throttle: throttleLimitsFromEnv(),
    ...(smtp ? { smtp } : {}),
    ...(retry !== undefined && /^\d+$/.test(retry) ? { mailRetryMs: Number(retry) } : {}),
    log,
    logLevel: logLevel(),
  });
  service.relay.events.on('agent.connected', ({ agentId, domains }: { agentId: string; domains: string[] }) => say(`agent ${agentId} connected (${domains.join(', ')})`));
  service.relay.events.on('agent.disconnected', ({ agentId, code }: { agentId: string; code: number }) => say(`agent ${agentId} disconnected (${code})`));
  service.relay.events.on('agent.down', ({ agentId, silentMs }: { agentId: string; silentMs: number }) => say(`agent ${agentId} down (silent ${silentMs} ms)`));
  service.relay.events.on('connection.refused', ({ code, message }: { code: string; message: string }) => say(`refused an agent connection: ${code}: ${message}`));
  logCycles(service);
  // A running cycle stops at its next page boundary; committed pages and the watermark stand.
  const stop = (signal: string): void => {
    log(`${signal}: stopping (waiting for the running cycle to reach a page boundary)`);
    void service.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`canopy: shutdown failed: ${escapeForLog(error instanceof Error ? error.message : String(error))}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  console.log(readyLine(service));
}
