/**
 * Notification email: one message per quarantine transition of a job (the engine's
 * 'quarantineChanged' event fires once per transition, never per cycle), to the Recipients
 * of the job's SyncNotificationSettings secret when Enabled is not false. Sending never
 * touches a cycle. Each message is first written to the store's outbox (ports.ts MailOutbox)
 * and removed only once the mail server accepted it, so a message queued while the mail
 * server is down survives a restart of the service. A failed send is retried, in order,
 * after retryMs, doubling up to MAX_RETRY_MS; `start()` sends what an earlier run left, and
 * the outbox is looked at again every SWEEP_MS for messages another node left behind.
 * Delivery is at least once: a service that dies after the mail server accepted a message
 * but before removing it sends it again.
 */
import { EventEmitter } from 'node:events';
import type { DirectoryReader } from '../../directory/store.ts';
import type { MailOutbox, OutgoingMail } from '../ports.ts';
import { notificationSettingsOf } from '../delete-threshold.ts';
import type { CycleResult } from '../cycle.ts';
import { cycleJobOf } from '../engine.ts';
import type { QuarantineChange } from '../job-status.ts';
import { REAL_TIMERS, type Timers } from '../scheduler.ts';
import { quarantineMail } from './quarantine-mail.ts';

export type MailMessage = OutgoingMail;

/** What nodemailer's Transporter offers (cli/serve-mail.ts makes one). */
export interface MailSender {
  sendMail(message: { from: string; to: string[]; subject: string; text: string }): Promise<unknown>;
}

export interface NotifierOptions {
  readonly directory: DirectoryReader;
  /** Where messages wait for the mail server (the sync store's). */
  readonly outbox: MailOutbox;
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
/** How long a sender holds a message it is sending; longer than nodemailer's timeouts (serve-mail.ts). */
export const CLAIM_MS = 2 * 60_000;
/** How often the outbox is looked at without a reason (another node's leftovers). */
export const SWEEP_MS = 5 * 60_000;

/** Recipients as Entra writes them: addresses separated by ; or ,. */
export function recipientsOf(text: string | undefined): string[] {
  return (text ?? '').split(/[;,]/).map((r) => r.trim()).filter((r) => r !== '');
}

export class Notifier extends EventEmitter {
  readonly #options: NotifierOptions;
  readonly #timers: Timers;
  #retryMs: number;
  #retryTimer: unknown;
  #sweepTimer: unknown;
  #flushing: Promise<void> | undefined;
  #again = false;
  #stopped = false;

  constructor(options: NotifierOptions) {
    super();
    this.#options = options;
    this.#timers = options.timers ?? REAL_TIMERS;
    this.#retryMs = options.retryMs ?? DEFAULT_MAIL_RETRY_MS;
  }

  /** Messages waiting for the mail server. */
  waiting(): Promise<number> {
    return this.#options.outbox.count();
  }

  /** Sends what an earlier run (or another node) left in the outbox, then looks again every SWEEP_MS. */
  start(): void {
    this.#sweep();
  }

  /** The engine's 'quarantineChanged' event: builds the message, queues it and sends the outbox. */
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
    await this.#options.outbox.add({ tenantId: job.tenantId, jobId: job.id, from: this.#options.from, to, ...content }, new Date(this.#timers.now()));
    await this.flush();
  }

  /**
   * Sends the outbox in order until it is empty or a send fails (then a retry is due). A call
   * while a flush runs makes that flush look once more, and resolves with it.
   */
  flush(): Promise<void> {
    if (this.#retryTimer !== undefined || this.#stopped) return Promise.resolve(); // the retry sends in order
    if (this.#flushing) {
      this.#again = true;
      return this.#flushing;
    }
    this.#flushing = (async () => {
      try {
        do {
          this.#again = false;
          await this.#sendAll();
        } while (this.#again && this.#retryTimer === undefined && !this.#stopped);
      } finally {
        this.#flushing = undefined;
      }
    })();
    return this.#flushing;
  }

  stop(): void {
    this.#stopped = true;
    for (const timer of [this.#retryTimer, this.#sweepTimer]) if (timer !== undefined) this.#timers.clearTimeout(timer);
    this.#retryTimer = undefined;
    this.#sweepTimer = undefined;
  }

  async #sendAll(): Promise<void> {
    const { outbox, sender } = this.#options;
    while (!this.#stopped) {
      const now = this.#timers.now();
      const message = await outbox.claimNext(new Date(now), new Date(now + CLAIM_MS));
      if (!message) return;
      try {
        await sender.sendMail({ from: message.from, to: [...message.to], subject: message.subject, text: message.text });
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        await outbox.release(message.id, why);
        this.#log(`notification email to ${message.to.join(', ')} not sent (${why}); kept in the outbox, trying again in ${Math.round(this.#retryMs / 1000)} s`);
        this.emit('failed', { message, error });
        this.#retryTimer = this.#timers.setTimeout(() => {
          this.#retryTimer = undefined;
          void this.flush().catch((e: unknown) => this.#log(`notification outbox: ${e instanceof Error ? e.message : String(e)}`));
        }, this.#retryMs);
        this.#retryMs = Math.min(this.#retryMs * 2, MAX_RETRY_MS);
        return;
      }
      await outbox.remove(message.id);
      this.#retryMs = this.#options.retryMs ?? DEFAULT_MAIL_RETRY_MS;
      this.#log(`notification email sent to ${message.to.join(', ')}: ${message.subject}`);
      this.emit('sent', message);
    }
  }

  #sweep(): void {
    if (this.#stopped) return;
    void this.flush().catch((error: unknown) => this.#log(`notification outbox: ${error instanceof Error ? error.message : String(error)}`));
    this.#sweepTimer = this.#timers.setTimeout(() => this.#sweep(), SWEEP_MS);
  }

  #log(line: string): void {
    this.#options.log?.(line);
  }
}
