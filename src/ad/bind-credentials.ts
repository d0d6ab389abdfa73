/**
 * The sync account's password as the reader presents it, and what AD said of it last.
 *
 * An LDAP connection stays authenticated after the account's password is changed in AD
 * (the bind state belongs to the connection, RFC 4511 section 4.2.1; checked on Samba 4.17:
 * a connection bound before the change goes on reading), so a reader that keeps its connection open would not
 * notice a changed password until the connection drops. The reader therefore confirms
 * every `credentialCheckMs` that AD still accepts the password, with a bind on a short
 * connection of its own (a bind on the working connection would disturb paged searches
 * running on it, RFC 4511 section 4.2.1: "all uncompleted operations MUST either complete or
 * be abandoned").
 *
 * A password AD refused is not presented again for `refusedRetryMs` unless it changes:
 * the agent's change poll runs every few hundred milliseconds, and retrying a wrong password
 * that often locks the account out where the domain has a lockout threshold. Only a hash of
 * the refused password is kept.
 */
import { createHash } from 'node:crypto';
import { CanopyError } from '../core/errors.ts';
import { DEFAULTS, type AdReaderOptions } from './options.ts';

function digest(password: string): string {
  return createHash('sha256').update(password, 'utf8').digest('base64');
}

export class BindCredentials {
  #refused: { digest: string; at: number; message: string } | undefined;
  #confirmedAt = 0;

  constructor(
    private readonly read: () => string,
    private readonly checkMs: number,
    private readonly refusedRetryMs: number,
    private readonly now: () => number = Date.now,
    /** Told of each refusal by AD (not of the repeats held back): the agent logs it. */
    private readonly onRefused: (message: string) => void = () => undefined,
  ) {}

  /** From the reader's options: `readPassword` when given, else the fixed `password`. */
  static of(options: Pick<AdReaderOptions, 'password' | 'readPassword' | 'credentialCheckMs'>, onRefused?: (message: string) => void): BindCredentials {
    const read = options.readPassword ?? ((): string => options.password);
    return new BindCredentials(read, options.credentialCheckMs ?? DEFAULTS.credentialCheckMs, DEFAULTS.refusedPasswordRetryMs, Date.now, onRefused);
  }

  /**
   * The password to bind with now. Throws ERR_AD_INVALID_CREDENTIALS without asking the DC
   * when it is the password AD refused less than refusedRetryMs ago.
   */
  current(): string {
    const password = this.read();
    const refused = this.#refused;
    if (refused && refused.digest === digest(password) && this.now() - refused.at < this.refusedRetryMs) {
      const again = new Date(refused.at + this.refusedRetryMs).toISOString();
      throw new CanopyError('ERR_AD_INVALID_CREDENTIALS', `${refused.message}; the same password is not tried again before ${again} (a lockout threshold would lock the account): correct the agent's password (ad.passwordFile is read again at the next bind)`);
    }
    return password;
  }

  /** AD accepted `password` (a connect, a reconnect or a check). */
  accepted(): void {
    this.#refused = undefined;
    this.#confirmedAt = this.now();
  }

  /** A check could not reach AD: the next one waits checkMs. */
  postpone(): void {
    this.#confirmedAt = this.now();
  }

  /** AD refused `password`; `message` says which DC and account. */
  refused(password: string, message: string): void {
    this.#refused = { digest: digest(password), at: this.now(), message };
    this.onRefused(message);
  }

  /** A check is due: the last accepted bind is older than checkMs. */
  get checkDue(): boolean {
    return this.now() - this.#confirmedAt >= this.checkMs;
  }
}
