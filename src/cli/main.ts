/**
 * @module The `meridian` command line: builds the program from the command modules, runs it, and
 * maps every outcome to an exit code (cli.md). No rollout logic lives here.
 */
import { Command, CommanderError } from 'commander';
import { registerBacktest } from './commands/backtest.ts';
import { registerAudit } from './commands/audit.ts';
import { registerCompare } from './commands/compare.ts';
import { registerDemo } from './commands/demo.ts';
import { registerGates } from './commands/gates.ts';
import { registerLint } from './commands/lint.ts';
import { registerPlan } from './commands/plan.ts';
import { registerFreeze } from './commands/freeze.ts';
import { registerRelease } from './commands/release.ts';
import { registerSchema } from './commands/schema.ts';
import { registerServe } from './commands/serve.ts';
import { registerSimulate } from './commands/simulate.ts';
import { registerToken } from './commands/token.ts';
import { registerTraffic } from './commands/traffic.ts';
import { registerValidate } from './commands/validate.ts';
import { registerWindows } from './commands/windows.ts';
import { EXIT, reportError } from './exit-codes.ts';
import { processIo, type Io } from './io.ts';

type Register = (program: Command, io: Io, done: (code: number) => void) => void;

const COMMANDS: Register[] = [
  registerValidate, registerLint, registerPlan, registerSimulate, registerCompare, registerDemo, registerBacktest, registerWindows, registerTraffic,
  registerServe, registerToken, registerRelease, registerFreeze, registerSchema, registerAudit, registerGates,
];

export function buildProgram(io: Io, done: (code: number) => void): Command {
  const program = new Command('meridian')
    .description('Meridian: release a service across regions in rings, with bake, metric gates and rollback by git revert.')
    .option('--debug', 'print stacks of internal errors')
    .showHelpAfterError('(run meridian --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  for (const register of COMMANDS) register(program, io, done);
  for (const cmd of program.commands) {
    cmd.exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  }
  return program;
}

/** Run the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => { code = c; });
  const debug = argv.includes('--debug');
  const json = argv.includes('--json');
  if (argv.length === 0) {
    program.outputHelp({ error: true });
    return EXIT.usage;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.ok;
      return EXIT.usage;
    }
    return reportError(io, e, { debug, json });
  }
}
