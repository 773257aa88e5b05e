/**
 * @module `meridian lint POLICY [--release RELEASE.yaml] [--json]`: load, run the lint rules, print
 * one line per finding (`FILE:LINE: severity rule-id: message`) and a summary, or the findings as
 * JSON. Exit 0 without errors (warnings allowed), 1 with any. A policy or release that does not
 * load throws PolicyError, which the caller maps to exit 1.
 */
import type { Command } from 'commander';
import { loadPolicy, loadRelease } from '../../policy/load.ts';
import { lint } from '../../policy/lint/lint.ts';
import type { Finding } from '../../policy/lint/types.ts';
import { formatPath, lineOf, type SourceDocument } from '../../policy/source.ts';
import type { ReleaseRequest } from '../../policy/schema.ts';
import { EXIT } from '../exit-codes.ts';
import { json, readInput, type Io } from '../io.ts';

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export function registerLint(program: Command, io: Io, done: (code: number) => void): void {
  program
    .command('lint')
    .description('check a ReleasePolicy against release best practice: errors and warnings, one per line')
    .argument('<policy>', 'the policy YAML file')
    .option('--release <file>', 'also check a Release document (its change kinds) against the policy')
    .option('--json', 'print { findings: [{ rule, severity, message, path, line }] } as JSON')
    .action((file: string, opts: { release?: string; json?: boolean }) => {
      const { policy, source } = loadPolicy(readInput(file), file);
      let release: ReleaseRequest | undefined;
      let releaseSource: SourceDocument | undefined;
      if (opts.release !== undefined) {
        const loaded = loadRelease(readInput(opts.release), opts.release);
        release = loaded.release;
        releaseSource = loaded.source;
      }
      const findings = lint(release ? { policy, release } : { policy });
      const where = (f: Finding): SourceDocument => (f.document === 'release' && releaseSource ? releaseSource : source);

      if (opts.json) {
        json(io, {
          findings: findings.map((f) => ({ rule: f.rule, severity: f.severity, message: f.message, path: formatPath(f.path), line: lineOf(where(f), f.path) })),
        });
      } else {
        for (const f of findings) {
          const src = where(f);
          io.err(`${src.file}:${lineOf(src, f.path)}: ${f.severity} ${f.rule}: ${f.message}\n`);
        }
        const errors = findings.filter((f) => f.severity === 'error').length;
        io.err(`${plural(errors, 'error')}, ${plural(findings.length - errors, 'warning')}\n`);
      }
      done(findings.some((f) => f.severity === 'error') ? EXIT.invalid : EXIT.ok);
    });
}
