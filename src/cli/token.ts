/** `canopy token create`: a one-time agent registration token, valid one hour. */
import { Command } from 'commander';
import { RELAY_PATHS } from '../relay/defaults.ts';
import { adminClient, expectStatus, type AdminOptions } from './admin-client.ts';

async function create(options: AdminOptions & { json?: boolean }): Promise<void> {
  const client = await adminClient(options);
  const created = expectStatus(await client.call('POST', RELAY_PATHS.tokens, {}), 201, 'creating a registration token') as { token: string; expiresAt: string; tenantId: string };
  if (options.json) process.stdout.write(`${JSON.stringify(created)}\n`);
  else {
    process.stdout.write(`${created.token}\n`);
    process.stderr.write(`one-time registration token for tenant ${created.tenantId}, valid until ${created.expiresAt}\n`);
  }
}

export function tokenCommand(): Command {
  const token = new Command('token').description('agent registration tokens');
  token
    .command('create')
    .description('create a one-time registration token (valid one hour) and print it')
    .option('--data <dir>', "the service's data folder (reads DIR/bootstrap.json)")
    .option('--bootstrap <file>', 'the bootstrap.json with the admin credentials')
    .option('--ca-file <file>', "PEM of the CA that issued the service's certificate")
    .option('--json', 'print JSON')
    .action(create);
  return token;
}
