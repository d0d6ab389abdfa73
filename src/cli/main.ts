/** The `canopy` command (bin/canopy.mjs loads this). */
import { Command, CommanderError } from 'commander';
import { isCanopyError } from '../core/errors.ts';
import { agentCommand } from './agent.ts';
import { serveCommand } from './serve-command.ts';
import { statusCommand } from './status.ts';
import { tokenCommand } from './token.ts';
import { CANOPY_VERSION } from './version.ts';

const program = new Command('canopy')
  .description('Self-hosted counterpart of Microsoft Entra Cloud Sync')
  .version(CANOPY_VERSION)
  .exitOverride();
program.addCommand(serveCommand());
program.addCommand(tokenCommand());
program.addCommand(agentCommand());
program.addCommand(statusCommand());

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode);
  if (isCanopyError(error)) process.stderr.write(`canopy: ${error.code}: ${error.message}\n`);
  else process.stderr.write(`canopy: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
