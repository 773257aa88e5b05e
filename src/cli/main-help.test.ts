import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { memoryIo } from './io.ts';
import { buildProgram, COMMANDS, requestedCommand } from './main.ts';
import { cli } from './run.test-helper.ts';

/** The program with every command module loaded, as it was before commands loaded lazily. */
const everything = (): Promise<Command> => buildProgram(memoryIo(), () => {}, COMMANDS.map((c) => c.name));

/** Every command and subcommand, as the words that name it (`['release', 'start']`). */
function paths(cmd: Command, prefix: string[] = []): string[][] {
  return cmd.commands.flatMap((sub) => [[...prefix, sub.name()], ...paths(sub, [...prefix, sub.name()])]);
}

describe('meridian (commands load lazily)', () => {
  it('registers every command, each under the name it is listed by, in the listed order', async () => {
    expect((await everything()).commands.map((c) => c.name())).toEqual(COMMANDS.map((c) => c.name));
  });

  it('lists every command in meridian --help exactly as with every command module loaded', async () => {
    const r = await cli('--help');
    expect(r.code).toBe(0);
    expect(r.out).toBe((await everything()).helpInformation());
    for (const c of COMMANDS) expect(r.out).toContain(`  ${c.term}  `);
  });

  it('prints the full help of every command and subcommand, with its options', async () => {
    const program = await everything();
    const all = paths(program);
    expect(all.length).toBeGreaterThan(COMMANDS.length);
    for (const words of all) {
      let cmd = program;
      for (const w of words) cmd = cmd.commands.find((c) => c.name() === w)!;
      const r = await cli(...words, '--help');
      expect({ words, code: r.code, out: r.out }).toEqual({ words, code: 0, out: cmd.helpInformation() });
    }
  });

  it('prints a command help for meridian help COMMAND too', async () => {
    const r = await cli('help', 'validate');
    expect(r.code).toBe(0);
    expect(r.out).toBe((await cli('validate', '--help')).out);
    expect(r.out).toContain('--json');
  });

  it('still suggests a command for a misspelt one, and exits 2', async () => {
    expect(await cli('valdate')).toEqual({ code: 2, out: '', err: "error: unknown command 'valdate'\n(Did you mean validate?)\n(run meridian --help for usage)\n" });
  });

  it('loads the command named by the first word that is not an option, or the one after help', () => {
    expect(requestedCommand(['validate', 'x.yaml', '--json'])).toBe('validate');
    expect(requestedCommand(['--debug', 'lint', 'x.yaml'])).toBe('lint');
    expect(requestedCommand(['help', 'release'])).toBe('release');
    expect(requestedCommand(['release', 'start', '--help'])).toBe('release');
    expect(requestedCommand(['--help'])).toBeUndefined();
    expect(requestedCommand([])).toBeUndefined();
  });
});
