/** `canopy status`: the agents and their state (jobs and cycles join here with issue 4). */
import { Command } from 'commander';
import { RELAY_PATHS } from '../relay/defaults.ts';
import type { AgentStatus } from '../relay/status.ts';
import { adminClient, expectStatus, type AdminOptions } from './admin-client.ts';

export function printAgents(agents: readonly AgentStatus[]): void {
  if (agents.length === 0) {
    process.stdout.write('no agents enrolled; create a token with `canopy token create`\n');
    return;
  }
  const rows = [['ID', 'NAME', 'STATE', 'VERSION', 'DOMAINS', 'CONNECTED SINCE', 'LAST HEARTBEAT']];
  for (const agent of agents) {
    rows.push([agent.id, agent.name, agent.state, agent.version ?? '-', agent.domains.join(','), agent.connectedSince ?? '-', agent.lastHeartbeat ?? '-']);
  }
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  for (const row of rows) process.stdout.write(`${row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()}\n`);
}

async function status(options: AdminOptions & { json?: boolean }): Promise<void> {
  const client = await adminClient(options);
  const { value } = expectStatus(await client.call('GET', RELAY_PATHS.agents), 200, 'reading agent status') as { value: AgentStatus[] };
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ tenantId: client.tenantId, agents: value }, null, 2)}\n`);
    return;
  }
  process.stdout.write(`service ${client.apiUrl}, tenant ${client.tenantId}\n\nAgents\n`);
  printAgents(value);
}

export function statusCommand(): Command {
  return new Command('status')
    .description('show the agents (and, with the engine, jobs and cycles)')
    .option('--data <dir>', "the service's data folder (reads DIR/bootstrap.json)")
    .option('--bootstrap <file>', 'the bootstrap.json with the admin credentials')
    .option('--ca-file <file>', "PEM of the CA that issued the service's certificate")
    .option('--json', 'print JSON')
    .action(status);
}
