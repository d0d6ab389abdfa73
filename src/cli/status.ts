/** `canopy status`: the agents and their state, the jobs, the cycle running now and the last one. */
import { Command } from 'commander';
import { adminClient, expectStatus, type AdminOptions } from './admin-client.ts';
import { printAgents, printJobs } from './status-print.ts';
import { STATUS_PATH, type ServiceStatus } from './status-view.ts';

async function status(options: AdminOptions & { json?: boolean }): Promise<void> {
  const client = await adminClient(options);
  const status = expectStatus(await client.call('GET', STATUS_PATH), 200, 'reading the service status') as ServiceStatus;
  if (options.json) {
    process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
    return;
  }
  process.stdout.write(`service ${client.apiUrl}, tenant ${status.tenantId}\n\nAgents\n`);
  printAgents(status.agents);
  process.stdout.write('\nJobs\n');
  printJobs(status.jobs);
}

export function statusCommand(): Command {
  return new Command('status')
    .description('show the agents, the synchronization jobs, the running cycle and the last one')
    .option('--data <dir>', "the service's data folder (reads DIR/bootstrap.json)")
    .option('--bootstrap <file>', 'the bootstrap.json with the admin credentials')
    .option('--ca-file <file>', "PEM of the CA that issued the service's certificate")
    .option('--json', 'print JSON')
    .action(status);
}
