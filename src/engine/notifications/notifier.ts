/**
 * Notification email: one message per quarantine transition of a job (the engine's
 * 'quarantineChanged' event fires once per transition, never per cycle), to the Recipients
 * of the job's SyncNotificationSettings secret when Enabled is not false. Sending never
 * touches a cycle: a mail server that is down leaves the message in an outbox that is
 * retried with a doubling delay (retryMs up to MAX_RETRY_MS), in order, until it goes out
 * or the service stops. The outbox lives in memory: a message still waiting when the
 * service stops is lost (the job's status keeps the quarantine itself).
 */
import { EventEmitter } from 'node:events';
import type { DirectoryReader } from '../../directory/store.ts';
import { notificationSettingsOf } from '../delete-threshold.ts';
import type { CycleResult } from '../cycle.ts';
import { cycleJobOf } from '../engine.ts';
import type { QuarantineChange } from '../job-status.ts';
import { REAL_TIMERS, type Timers } from '../scheduler.ts';
import { quarantineMail } from './quarantine-mail.ts';

export interface MailMessage {
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
}

/** What nodemailer's Transporter offers (cli/serve-mail.ts makes one). */
export interface MailSender {
  sendMail(message: { from: string; to: string[]; subject: string; text: string }): Promise<unknown>;
}

export interface NotifierOptions {
  readonly directory: DirectoryReader;
  readonly sender: MailSender;
  readonly from: string;
  /** First delay before a failed message is tried again (default 30 s); doubles each time. */
  readonly retryMs?: number;
  readonly timers?: Timers;
  readonly log?: (line: string) => void;
}

export interface QuarantineChangedEvent {
  readonly tenantId: string;
  readonly jobId: string;
  readonly change: QuarantineChange;
  readonly result?: CycleResult;
}

export const DEFAULT_MAIL_RETRY_MS = 30_000;
export const MAX_RETRY_MS = 15 * 60_000;

/** Recipients as Entra writes them: addresses separated by ; or ,. */
export function recipientsOf(text: string | undefined): string[] {
  return (text ?? '').split(/[;,]/).map((r) => r.trim()).filter((r) => r !== '');
}

export class Notifier extends EventEmitter {
  readonly #options: NotifierOptions;
  readonly #timers: Timers;
  readonly #outbox: MailMessage[] = [];
  #retryMs: number;
  #timer: unknown;
  #stopped = false;

  constructor(options: NotifierOptions) {
    super();
    this.#options = options;
    this.#timers = options.timers ?? REAL_TIMERS;
    this.#retryMs = options.retryMs ?? DEFAULT_MAIL_RETRY_MS;
  }

  /** Messages waiting for the mail server. */
  get waiting(): number {
    return this.#outbox.length;
  }

  /** The engine's 'quarantineChanged' event: builds the message and sends it (or queues it). */
  async quarantineChanged(event: QuarantineChangedEvent): Promise<void> {
    const { directory } = this.#options;
    const job = await directory.getSynchronizationJob(event.tenantId, event.jobId);
    if (!job) return;
    const settings = notificationSettingsOf(await directory.getSynchronizationSecrets(job.tenantId, job.servicePrincipalId));
    const to = recipientsOf(settings.Recipients);
    if (settings.Enabled === false || String(settings.Enabled).toLowerCase() === 'false' || to.length === 0) {
      this.#log(`no notification for job ${job.id} (${event.change.kind} ${event.change.reason}): SyncNotificationSettings has no recipients or is disabled`);
      return;
    }
    let domain: string | null;
    try {
      domain = cycleJobOf(job).domain;
    } catch {
      domain = null;
    }
    const content = quarantineMail({
      tenantId: job.tenantId,
      jobId: job.id,
      domain,
      change: event.change,
      ...(event.result?.stagedDeletes ? { pendingDeletes: event.result.stagedDeletes.pending } : {}),
      lastExecution: event.result?.execution ?? null,
    });
    this.#outbox.push({ from: this.#options.from, to, ...content });
    await this.#flush();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Sends the outbox in order; on the first failure waits (doubling) and tries again. */
  async #flush(): Promise<void> {
    if (this.#timer !== undefined) return; // a retry is due: it sends in order
    while (this.#outbox.length > 0 && !this.#stopped) {
      const message = this.#outbox[0]!;
      try {
        await this.#options.sender.sendMail({ from: message.from, to: [...message.to], subject: message.subject, text: message.text });
      } catch (error) {
        this.#log(`notification email to ${message.to.join(', ')} not sent (${error instanceof Error ? error.message : String(error)}); trying again in ${Math.round(this.#retryMs / 1000)} s`);
        this.emit('failed', { message, error });
        this.#timer = this.#timers.setTimeout(() => {
          this.#timer = undefined;
          void this.#flush();
        }, this.#retryMs);
        this.#retryMs = Math.min(this.#retryMs * 2, MAX_RETRY_MS);
        return;
      }
      this.#outbox.shift();
      this.#retryMs = this.#options.retryMs ?? DEFAULT_MAIL_RETRY_MS;
      this.#log(`notification email sent to ${message.to.join(', ')}: ${message.subject}`);
      this.emit('sent', message);
    }
  }

  #log(line: string): void {
    this.#options.log?.(line);
  }
}
