import { Command, CommanderError } from 'commander';
import { CommonsynthError, describeError } from '../errors.js';
import { VERSION } from '../version.js';
import { commandRegistrars } from './commands/index.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE } from './output.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('commonsynth')
    .description('Neural re-synthesis of free audio from Wikimedia Commons')
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride();
  for (const register of commandRegistrars) register(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end with a CommanderError carrying exit code 0.
      return error.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (error instanceof CommonsynthError && error.code === 'USAGE') {
      process.stderr.write(`commonsynth: ${error.message}\n`);
      return EXIT_USAGE;
    }
    process.stderr.write(`commonsynth: ${describeError(error)}\n`);
    return EXIT_FAILED;
  }
}
