/** `canopy serve`. */
import { Command } from 'commander';
import { readyLine, startService } from './serve.ts';

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

export function serveCommand(): Command {
  return new Command('serve')
    .description('run the service: Graph API, token endpoint and the agents\' relay')
    .option('--data <dir>', 'data folder (SQLite database, keys, bootstrap.json)', process.env.CANOPY_DATA_DIR)
    .option('--listen <host:port>', 'address to listen on', process.env.CANOPY_LISTEN ?? '127.0.0.1:8443')
    .option('--tls-cert <file>', 'PEM certificate (https/wss); required off loopback', process.env.CANOPY_TLS_CERT)
    .option('--tls-key <file>', 'PEM private key of the certificate', process.env.CANOPY_TLS_KEY)
    .action(async (options: { data?: string; listen: string; tlsCert?: string; tlsKey?: string }) => {
      if (!options.data) throw new TypeError('--data <dir> is required (or CANOPY_DATA_DIR)');
      const service = await startService({ dataDir: options.data, listen: options.listen, tlsCert: options.tlsCert, tlsKey: options.tlsKey, relay: relayTimings() });
      service.relay.events.on('agent.connected', ({ agentId, domains }: { agentId: string; domains: string[] }) => console.log(`canopy: agent ${agentId} connected (${domains.join(', ')})`));
      service.relay.events.on('agent.disconnected', ({ agentId, code }: { agentId: string; code: number }) => console.log(`canopy: agent ${agentId} disconnected (${code})`));
      service.relay.events.on('agent.down', ({ agentId, silentMs }: { agentId: string; silentMs: number }) => console.log(`canopy: agent ${agentId} down (silent ${silentMs} ms)`));
      service.relay.events.on('connection.refused', ({ code, message }: { code: string; message: string }) => console.log(`canopy: refused an agent connection: ${code}: ${message}`));
      const stop = (): void => void service.close().then(() => process.exit(0));
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      console.log(readyLine(service));
    });
}
