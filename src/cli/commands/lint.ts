/**
 * @module `meridian lint POLICY|DIR [--release RELEASE.yaml] [--json]`: load, run the lint rules,
 * print one line per finding (`FILE:LINE: severity rule-id: message`) and a summary, or the
 * findings as JSON. For a configuration directory every service's resolved policy is linted; a
 * finding about a field another file holds (a fleet's regions, the release) is reported at that
 * file's line, once for every service it is the same for. Exit 0 without errors (warnings allowed),
 * 1 with any. A policy or release that does not load throws PolicyError, which the caller maps to
 * exit 1.
 */
import type { Command } from 'commander';
import { writtenAt } from '../../policy/fleet.ts';
import { loadRelease } from '../../policy/load.ts';
import { lint } from '../../policy/lint/lint.ts';
import type { Finding } from '../../policy/lint/types.ts';
import { formatPath, lineOf, listSome, type SourceDocument } from '../../policy/source.ts';
import type { ReleaseRequest } from '../../policy/schema.ts';
import { readConfigSources } from '../../runtime/config-dir.ts';
import { EXIT } from '../exit-codes.ts';
import { json, readInput, type Io } from '../io.ts';

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/** A finding placed in the file that holds its field, with the services it was found for. */
interface Placed {
  finding: Finding;
  file: string;
  path: string;
  line: number;
  /** The field is in a file other than the service's policy (a fleet, the release). */
  shared: boolean;
  services: string[];
}

export function registerLint(program: Command, io: Io, done: (code: number) => void): void {
  program
    .command('lint')
    .description('check a ReleasePolicy, or every service of a directory, against release best practice: errors and warnings, one per line')
    .argument('<policy>', 'the policy YAML file, or a directory of *.yaml files (Fleets and one ReleasePolicy per service)')
    .option('--release <file>', 'also check a Release document (its change kinds) against the policy')
    .option('--json', 'print { findings: [{ rule, severity, message, path, line }] } as JSON (for a directory, each with its file and services)')
    .action((path: string, opts: { release?: string; json?: boolean }) => {
      const loaded = readConfigSources(path);
      let release: ReleaseRequest | undefined;
      let releaseSource: SourceDocument | undefined;
      if (opts.release !== undefined) {
        const r = loadRelease(readInput(opts.release), opts.release);
        release = r.release;
        releaseSource = r.source;
      }

      const placed: Placed[] = [];
      const sharedAt = new Map<string, Placed>();
      for (const svc of loaded.services) {
        const { policy } = svc.service;
        for (const finding of lint(release ? { policy, release } : { policy })) {
          const written = writtenAt(svc, finding.path);
          const where = finding.document === 'release' && releaseSource
            ? { source: releaseSource, path: finding.path, shared: true }
            : { source: written.source, path: written.path, shared: written.inFleet };
          const line = lineOf(where.source, where.path);
          const p: Placed = { finding, file: where.source.file, path: formatPath(where.path), line, shared: where.shared, services: [svc.service.service] };
          if (!p.shared) {
            placed.push(p);
            continue;
          }
          const key = JSON.stringify([p.file, line, finding.rule, finding.severity, finding.message]);
          const same = sharedAt.get(key);
          if (same) same.services.push(svc.service.service);
          else {
            sharedAt.set(key, p);
            placed.push(p);
          }
        }
      }

      if (opts.json) {
        json(io, {
          findings: placed.map(({ finding: f, file, path: at, line, services }) => ({
            rule: f.rule, severity: f.severity, message: f.message, path: at, line, ...(loaded.directory ? { file, services } : {}),
          })),
        });
      } else {
        for (const p of placed) {
          const f = p.finding;
          const which = loaded.directory && p.shared ? ` (services: ${listSome(p.services)})` : '';
          io.err(`${p.file}:${p.line}: ${f.severity} ${f.rule}: ${f.message}${which}\n`);
        }
        const errors = placed.filter((p) => p.finding.severity === 'error').length;
        const scope = loaded.directory ? ` (${plural(loaded.services.length, 'service')})` : '';
        io.err(`${plural(errors, 'error')}, ${plural(placed.length - errors, 'warning')}${scope}\n`);
      }
      done(placed.some((p) => p.finding.severity === 'error') ? EXIT.invalid : EXIT.ok);
    });
}
