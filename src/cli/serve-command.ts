/** `canopy serve`: the command and its options; serve-run.ts, loaded when it runs, does the work. */
import { Command } from 'commander';

export interface ServeCliOptions {
  readonly data?: string;
  readonly listen: string;
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly store?: string;
  readonly secretsKeyFile?: string;
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('run the service: Graph API, token endpoint and the agents\' relay')
    .option('--data <dir>', 'data folder (SQLite database, keys, bootstrap.json)', process.env.CANOPY_DATA_DIR)
    .option('--listen <host:port>', 'address to listen on', process.env.CANOPY_LISTEN ?? '127.0.0.1:8443')
    .option('--tls-cert <file>', 'PEM certificate (https/wss); required off loopback', process.env.CANOPY_TLS_CERT)
    .option('--tls-key <file>', 'PEM private key of the certificate (0600)', process.env.CANOPY_TLS_KEY)
    .option('--store <url>', 'postgres://user@host:5432/db[?schema=name]: state shared by several nodes (default: SQLite in the data folder)', process.env.CANOPY_STORE)
    .option('--secrets-key-file <file>', 'key sealing sync secrets at rest, created when missing (default DATA/sync-secrets.key)', process.env.CANOPY_SECRETS_KEY_FILE)
    .action(async (options: ServeCliOptions) => (await import('./serve-run.ts')).runServe(options));
}
