/**
 * @module Reading a configuration from disk (fleet.md "Loading"): every `*.yaml` and `*.yml` file
 * directly in a directory, sorted by name, or one policy file. Each file is read under the input
 * size limit; a missing or unreadable path is a UsageError naming it. What the files mean is
 * policy/fleet.ts's business.
 */
import { readdirSync, readFileSync, statSync, type Stats } from 'node:fs';
import { basename, join } from 'node:path';
import { PolicyError, UsageError } from '../errors.ts';
import type { FleetConfig } from '../policy/fleet-config.ts';
import { loadConfigSources, singlePolicyConfig, type ConfigFile, type LoadedConfig } from '../policy/fleet.ts';
import { MAX_INPUT_BYTES, listSome, oversized } from '../policy/source.ts';

/** A configuration as read from `path`, with the documents its messages and findings are located in. */
export interface ConfigSources extends LoadedConfig {
  path: string;
  /** True when `path` is a directory (commands then speak per service). */
  directory: boolean;
}

const YAML_FILE = /\.ya?ml$/;

function cannotRead(path: string, e: unknown): UsageError {
  const code = (e as NodeJS.ErrnoException).code;
  return new UsageError(code === 'ENOENT' ? `${path}: no such file` : `${path}: cannot read (${code ?? 'unknown error'})`);
}

function statOf(path: string): Stats {
  try {
    return statSync(path);
  } catch (e) {
    throw cannotRead(path, e);
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw cannotRead(path, e);
  }
}

/**
 * The YAML files of a directory: every regular file directly in it whose name ends in .yaml or
 * .yml, sorted by name (as code units, the same on every machine). Names starting with a dot are
 * left out, as the shell's `*.yaml` leaves them out (editors' backups, hidden drafts).
 */
export function configFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw cannotRead(dir, e);
  }
  return names
    .filter((n) => YAML_FILE.test(n) && !n.startsWith('.'))
    .sort()
    .map((n) => join(dir, n))
    .filter((p) => statOf(p).isFile());
}

/**
 * Read the configuration at `path`: a directory of Fleets and ReleasePolicies, or one policy file
 * (a configuration of one service without a fleet). Throws UsageError for a path that cannot be
 * read, a directory without YAML files or without a policy; PolicyError with every problem of every
 * file (files over the size limit are refused first, all of them, before any is read).
 */
export function readConfigSources(path: string): ConfigSources {
  const st = statOf(path);
  if (!st.isDirectory()) {
    if (st.size > MAX_INPUT_BYTES) throw oversized(path, st.size);
    return { ...singlePolicyConfig(readText(path), path), path, directory: false };
  }
  const paths = configFiles(path);
  if (paths.length === 0) throw new UsageError(`${path}: no *.yaml or *.yml file in this directory`);
  const sizes = paths.map((p) => ({ p, size: statOf(p).size }));
  const tooBig = sizes.filter((s) => s.size > MAX_INPUT_BYTES);
  if (tooBig.length > 0) throw new PolicyError(tooBig.flatMap((s) => oversized(s.p, s.size).problems));
  const files: ConfigFile[] = paths.map((p) => ({ file: p, text: readText(p) }));
  try {
    return { ...loadConfigSources(files), path, directory: true };
  } catch (e) {
    if (e instanceof UsageError) throw new UsageError(`${path}: no ReleasePolicy among its YAML files (${listSome(paths.map((p) => basename(p)))}); a configuration needs at least one service`);
    throw e;
  }
}

/** The configuration at `path` (a directory, or one policy file): every service's resolved policy and the fleets' settings. */
export function readConfig(path: string): FleetConfig {
  return readConfigSources(path).config;
}
