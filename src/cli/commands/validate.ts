/**
 * @module `meridian validate POLICY|DIR [--json]`: load a policy file, or a configuration directory
 * of Fleets and ReleasePolicies (fleet.md), and say it is valid (one line per fleet and service of
 * a directory) or print every error of every file.
 */
import type { Command } from 'commander';
import { PolicyError } from '../../errors.ts';
import type { ConfigSources } from '../../runtime/config-dir.ts';
import { readConfigSources } from '../../runtime/config-dir.ts';
import { EXIT } from '../exit-codes.ts';
import { json, type Io } from '../io.ts';

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** One line per fleet, then one per service, in file order. */
function validLines(loaded: ConfigSources): string[] {
  const fleets = loaded.fleets.map(({ settings, fleet }) => {
    const limit = settings.perRegion === null ? 'no limit on releases per region' : `at most ${plural(settings.perRegion, 'release')} deploying or baking in a region at once`;
    return `${settings.file}: fleet "${settings.name}": valid (${plural(fleet.spec.regions.length, 'region')}; ${limit})`;
  });
  const services = loaded.config.services.map((s) => {
    const regions = s.fleet === null ? `its own ${plural(s.policy.spec.regions.length, 'region')}` : `fleet "${s.fleet}"`;
    return `${s.file}: service "${s.service}": valid (${regions}, ${plural(s.policy.spec.rings.length, 'ring')})`;
  });
  return [...fleets, ...services];
}

export function registerValidate(program: Command, io: Io, done: (code: number) => void): void {
  program
    .command('validate')
    .description('check a ReleasePolicy, or a directory of Fleets and ReleasePolicies: every error as FILE:LINE:COL: PATH: MESSAGE')
    .argument('<policy>', 'the policy YAML file, or a directory of *.yaml files (Fleets and one ReleasePolicy per service)')
    .option('--json', 'print { valid, errors } as JSON (and, for a directory, its fleets and services)')
    .action((path: string, opts: { json?: boolean }) => {
      let loaded: ConfigSources;
      try {
        loaded = readConfigSources(path);
      } catch (e) {
        if (e instanceof PolicyError && opts.json) {
          json(io, { valid: false, errors: e.problems });
          return done(EXIT.invalid);
        }
        throw e;
      }
      if (opts.json) {
        json(io, loaded.directory
          ? {
            valid: true,
            errors: [],
            fleets: loaded.config.fleets,
            services: loaded.config.services.map((s) => ({ service: s.service, file: s.file, fleet: s.fleet })),
          }
          : { valid: true, errors: [] });
      } else if (loaded.directory) {
        for (const line of validLines(loaded)) io.err(`${line}\n`);
      } else {
        io.err(`${path}: valid\n`);
      }
      done(EXIT.ok);
    });
}
