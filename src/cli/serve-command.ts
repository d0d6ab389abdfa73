/** `canopy serve`: the command and its options; serve-run.ts, loaded when it runs, does the work. */
import { Command } from 'commander';

export interface ServeCliOptions {
  readonly data?: string;
  readonly listen: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly store?: string;
  readonly secretsKeyFile?: string;
  readonly publicUrl?: string;
  readonly smtpHost?: string;
  readonly smtpPort?: string;
  readonly smtpSecurity?: string;
  readonly smtpUser?: string;
  readonly smtpPasswordFile?: string;
  readonly smtpFrom?: string;
  readonly smtpCaFile?: string;
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('run the service: Graph API, token endpoint and the agents\' relay')
    .option('--data <dir>', 'data folder (SQLite database, keys, bootstrap.json)', process.env.CANOPY_DATA_DIR)
    .option('--listen <host:port>', 'address to listen on', process.env.CANOPY_LISTEN ?? '127.0.0.1:8443')
    .option('--tls-cert <file>', 'PEM certificate (https/wss); required off loopback', process.env.CANOPY_TLS_CERT)
    .option('--tls-key <file>', 'PEM private key of the certificate (0600)', process.env.CANOPY_TLS_KEY)
    .option('--public-url <url>', 'the origin clients reach the service at (https://canopy.example.com); tokens, metadata and links use it, never the Host header; required off loopback', process.env.CANOPY_PUBLIC_URL)
    .option('--store <url>', 'postgres://user@host:5432/db[?schema=name]: state shared by several nodes (default: SQLite in the data folder)', process.env.CANOPY_STORE)
    .option('--secrets-key-file <file>', 'key sealing sync secrets at rest, created when missing (default DATA/sync-secrets.key)', process.env.CANOPY_SECRETS_KEY_FILE)
    .option('--smtp-host <host>', 'mail server for notification email (quarantine entered / left); none: no email', process.env.CANOPY_SMTP_HOST)
    .option('--smtp-port <port>', 'mail server port (default 587 for starttls, 465 for tls, 25 for none)', process.env.CANOPY_SMTP_PORT)
    .option('--smtp-security <mode>', 'starttls (default), tls (implicit, port 465) or none (loopback relays only)', process.env.CANOPY_SMTP_SECURITY)
    .option('--smtp-user <user>', 'mail server login (with --smtp-password-file)', process.env.CANOPY_SMTP_USER)
    .option('--smtp-password-file <file>', 'file holding the mail server password (0600)', process.env.CANOPY_SMTP_PASSWORD_FILE)
    .option('--smtp-from <address>', 'sender address of notification email', process.env.CANOPY_SMTP_FROM)
    .option('--smtp-ca-file <file>', "PEM of the CA that issued the mail server's certificate", process.env.CANOPY_SMTP_CA_FILE)
    .action(async (options: ServeCliOptions) => (await import('./serve-run.ts')).runServe(options));
}
