/**
 * `canopy agent register|run|revoke|list`: the commands and their options. What they do is
 * in agent-actions.ts, imported only when one runs, so that `canopy --version` or
 * `canopy status` do not load the agent's LDAP and WebSocket code.
 */
import { Command } from 'commander';
import type { AdminOptions } from './admin-client.ts';

const actions = () => import('./agent-actions.ts');

function withAdminOptions(command: Command): Command {
  return command
    .option('--data <dir>', "the service's data folder (reads DIR/bootstrap.json)")
    .option('--bootstrap <file>', 'the bootstrap.json with the admin credentials')
    .option('--ca-file <file>', "PEM of the CA that issued the service's certificate");
}

export function agentCommand(): Command {
  const agent = new Command('agent').description('enroll, run and manage provisioning agents');
  agent
    .command('register')
    .description('create this agent\'s key pair and enroll it with a one-time token')
    .option('--service <url>', 'the service URL (https://…; http:// only on loopback)')
    .requiredOption('--token <token>', 'a registration token from `canopy token create`')
    .requiredOption('--config <file>', 'the agent configuration (JSON)')
    .action(async (options: { service?: string; token: string; config: string }) => (await actions()).register(options));
  agent
    .command('run')
    .description('connect to the service and answer its requests')
    .requiredOption('--config <file>', 'the agent configuration (JSON)')
    .option('--scim-listen <host:port>', 'also serve the SCIM service read-only over local HTTP (loopback only; a bearer token is required)')
    .option('--scim-token-file <file>', 'where --scim-listen writes its bearer token, 0600 (default DATA/scim-listen.token)')
    .action(async (options: { config: string; scimListen?: string; scimTokenFile?: string }) => (await actions()).run(options));
  withAdminOptions(agent.command('revoke').description('revoke an agent; it is disconnected within seconds').argument('<id>', 'the agent id'))
    .action(async (id: string, options: AdminOptions) => (await actions()).revoke(id, options));
  withAdminOptions(agent.command('list').description('list enrolled agents and their state').option('--json', 'print JSON'))
    .action(async (options: AdminOptions & { json?: boolean }) => (await actions()).list(options));
  return agent;
}
