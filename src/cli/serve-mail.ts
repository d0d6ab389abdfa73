/**
 * The mail server `canopy serve` sends notifications through (nodemailer's SMTP transport):
 *
 *   --smtp-host mail.example.org --smtp-port 587 --smtp-security starttls \
 *   --smtp-user canopy --smtp-password-file /etc/canopy/smtp.pw --smtp-from canopy@example.org
 *
 * security: 'starttls' (default; the connection must upgrade, RFC 3207), 'tls' (implicit
 * TLS, port 465), 'none' (plain; loopback relays only). --smtp-ca-file trusts a private CA.
 * Without --smtp-host no email is sent (the quarantine still shows in the job's status).
 */
import { readFileSync } from 'node:fs';
import { CanopyError } from '../core/errors.ts';
import { readSecretFile } from '../core/private-files.ts';
import type { MailSender } from '../engine/notifications/notifier.ts';

export type SmtpSecurity = 'starttls' | 'tls' | 'none';

export interface SmtpOptions {
  readonly host: string;
  readonly port?: number;
  readonly security?: SmtpSecurity;
  readonly user?: string;
  readonly passwordFile?: string;
  readonly from: string;
  readonly caFile?: string;
}

const DEFAULT_PORTS: Record<SmtpSecurity, number> = { starttls: 587, tls: 465, none: 25 };

/**
 * Checks the options (a CanopyError naming the option) and makes the transport; nodemailer
 * loads only when a mail server is configured, so a service without one starts as before.
 */
export async function createMailSender(options: SmtpOptions): Promise<MailSender> {
  const security = options.security ?? 'starttls';
  if (!['starttls', 'tls', 'none'].includes(security)) throw new CanopyError('ERR_CONFIG_INVALID', `--smtp-security ${String(security)}: use starttls, tls or none`);
  const port = options.port ?? DEFAULT_PORTS[security];
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new CanopyError('ERR_CONFIG_INVALID', `--smtp-port ${String(options.port)}: a port number from 1 to 65535`);
  if (!options.from || !options.from.includes('@')) throw new CanopyError('ERR_CONFIG_INVALID', `--smtp-from ${String(options.from)}: the sender address is required with --smtp-host`);
  if ((options.user === undefined) !== (options.passwordFile === undefined)) throw new CanopyError('ERR_CONFIG_INVALID', '--smtp-user and --smtp-password-file go together');
  const password = options.passwordFile ? readSecretFile(options.passwordFile, '--smtp-password-file').toString('utf8').trim() : undefined;
  const ca = options.caFile ? readFileSync(options.caFile) : undefined;
  const { default: nodemailer } = await import('nodemailer');
  return nodemailer.createTransport({
    host: options.host,
    port,
    secure: security === 'tls',
    requireTLS: security === 'starttls',
    ignoreTLS: security === 'none',
    ...(options.user ? { auth: { user: options.user, pass: password! } } : {}),
    ...(ca ? { tls: { ca } } : {}),
    // A mail server that hangs must not hold a message for minutes: the notifier retries.
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 30_000,
  });
}
