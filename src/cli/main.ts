/**
 * @module The `meridian` command line: builds the program from the command modules, runs it, and
 * maps every outcome to an exit code (cli.md). No rollout logic lives here.
 *
 * Commands load lazily: the list below holds each command's name, its line in `meridian --help`
 * and a loader. Only the module of the command being run (or asked for help) is imported, with
 * its options, descriptions and implementation; every other command is registered by name and
 * description only, so `meridian --help` lists them all without loading any (the start-up cost of
 * a command is its own imports, not every command's: yaml and zod for `validate`, not hono, pg,
 * prom-client). main-help.test.ts checks that the help is the same as with every module loaded.
 */
import { Command, CommanderError, Help } from 'commander';
import { EXIT, reportError } from './exit-codes.ts';
import { processIo, type Io } from './io.ts';

type Register = (program: Command, io: Io, done: (code: number) => void) => void;

export interface CommandEntry {
  name: string;
  /** The command's line in `meridian --help`: name, `[options]` when it has any, its arguments. */
  term: string;
  description: string;
  load: () => Promise<Register>;
}

/** Every command, in the order `meridian --help` lists them. */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'validate', term: 'validate [options] <policy>',
    description: 'check a ReleasePolicy, or a directory of Fleets and ReleasePolicies: every error as FILE:LINE:COL: PATH: MESSAGE',
    load: async () => (await import('./commands/validate.ts')).registerValidate,
  },
  {
    name: 'lint', term: 'lint [options] <policy>',
    description: 'check a ReleasePolicy, or every service of a directory, against release best practice: errors and warnings, one per line',
    load: async () => (await import('./commands/lint.ts')).registerLint,
  },
  {
    name: 'plan', term: 'plan [options] <policy>',
    description: 'the planned timeline of a release: when each ring deploys, is healthy and ends its bake (for a directory, of every service)',
    load: async () => (await import('./commands/plan.ts')).registerPlan,
  },
  {
    name: 'simulate', term: 'simulate [options] [policy]',
    description: 'run a release of the policy (or every release of a fleet scenario, with --config) against the simulated fleet in virtual time',
    load: async () => (await import('./commands/simulate.ts')).registerSimulate,
  },
  {
    name: 'compare', term: 'compare [options] <policy>',
    description: 'run the scenario under every strategy (ring, simultaneous, sequential, canary-then-all) and compare',
    load: async () => (await import('./commands/compare.ts')).registerCompare,
  },
  {
    name: 'demo', term: 'demo [options]',
    description: 'run the ring exercise on the embedded default: three regions, ring 2 fails and is rolled back',
    load: async () => (await import('./commands/demo.ts')).registerDemo,
  },
  {
    name: 'backtest', term: 'backtest [options] <policy>',
    description: "judge a ring's gates over recorded metrics history as if it had been deployed at --deployed-at",
    load: async () => (await import('./commands/backtest.ts')).registerBacktest,
  },
  {
    name: 'windows', term: 'windows [options] <policy>',
    description: "each production ring's deployment windows this week and the quietest hour in them to start",
    load: async () => (await import('./commands/windows.ts')).registerWindows,
  },
  {
    name: 'traffic', term: 'traffic',
    description: 'global traffic: plan draining a region',
    load: async () => (await import('./commands/traffic.ts')).registerTraffic,
  },
  {
    name: 'serve', term: 'serve [options]',
    description: 'run the controller: durable releases, the HTTP API, the dashboard, /metrics',
    load: async () => (await import('./commands/serve.ts')).registerServe,
  },
  {
    name: 'token', term: 'token',
    description: 'manage API tokens',
    load: async () => (await import('./commands/token.ts')).registerToken,
  },
  {
    name: 'release', term: 'release',
    description: 'start and steer releases on a running Meridian server',
    load: async () => (await import('./commands/release.ts')).registerRelease,
  },
  {
    name: 'freeze', term: 'freeze',
    description: 'stop the line: no ring starts deploying while a freeze matches it (bakes, gates and rollbacks go on)',
    load: async () => (await import('./commands/freeze.ts')).registerFreeze,
  },
  {
    name: 'schema', term: 'schema [options]',
    description: 'print the JSON Schema of ReleasePolicy, or of Fleet (for editor completion)',
    load: async () => (await import('./commands/schema.ts')).registerSchema,
  },
  {
    name: 'audit', term: 'audit',
    description: 'the audit log of a Meridian database',
    load: async () => (await import('./commands/audit.ts')).registerAudit,
  },
  {
    name: 'gates', term: 'gates',
    description: 'calibrate gates against good releases',
    load: async () => (await import('./commands/gates.ts')).registerGates,
  },
];

/** The command `argv` runs or asks help for: its first word, or the one after `help`. */
export function requestedCommand(argv: readonly string[]): string | undefined {
  const words = argv.filter((a) => !a.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}

/**
 * The program with every command: those named in `load` in full (options, subcommands, action),
 * the others by name and description only, enough for `meridian --help` and for "unknown command"
 * suggestions.
 */
export async function buildProgram(io: Io, done: (code: number) => void, load: readonly string[]): Promise<Command> {
  const listed = new Map<Command, string>();
  const program = new Command('meridian')
    .description('Meridian: release a service across regions in rings, with bake, metric gates and rollback by git revert.')
    .option('--debug', 'print stacks of internal errors')
    .showHelpAfterError('(run meridian --help for usage)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  for (const entry of COMMANDS) {
    if (load.includes(entry.name)) (await entry.load())(program, io, done);
    else listed.set(program.command(entry.name).description(entry.description), entry.term);
  }
  for (const cmd of program.commands) {
    cmd.exitOverride().configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  }
  // Set after the commands are added, so that it is not inherited by them: it is for this listing.
  const plain = new Help();
  program.configureHelp({ subcommandTerm: (cmd) => listed.get(cmd) ?? plain.subcommandTerm(cmd) });
  return program;
}

/** Run the CLI with `argv` (without node and script); resolves to the exit code. */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  let code: number = EXIT.ok;
  const requested = requestedCommand(argv);
  const debug = argv.includes('--debug');
  const json = argv.includes('--json');
  try {
    const program = await buildProgram(io, (c) => { code = c; }, requested === undefined ? [] : [requested]);
    if (argv.length === 0) {
      program.outputHelp({ error: true });
      return EXIT.usage;
    }
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
