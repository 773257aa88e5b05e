/** @module Tests of reading a configuration from disk: a directory's YAML files in name order, or one policy file, and the usage errors around them. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PolicyError, UsageError } from '../errors.ts';
import { configFiles, readConfig, readConfigSources } from './config-dir.ts';

const example = (name: string): string => readFileSync(new URL(`../../examples/fleet/${name}`, import.meta.url), 'utf8');
const webapp = readFileSync(new URL('../../examples/webapp.yaml', import.meta.url), 'utf8');

const root = mkdtempSync(join(tmpdir(), 'meridian-config-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function dir(name: string, files: Record<string, string>): string {
  const d = join(root, name);
  mkdirSync(d);
  for (const [file, text] of Object.entries(files)) {
    if (text === '<dir>') mkdirSync(join(d, file));
    else writeFileSync(join(d, file), text);
  }
  return d;
}

describe('reading a configuration directory', () => {
  it('reads every *.yaml and *.yml file directly in it, sorted by name, and nothing else', () => {
    const d = dir('mixed', {
      'search.yml': example('search.yaml'),
      'fleet.yaml': example('fleet.yaml'),
      'checkout.yaml': example('checkout.yaml'),
      'notes.txt': 'not yaml',
      '.draft.yaml': 'kind: [',
      'old.yaml.bak': 'kind: [',
      'nested.yaml': '<dir>',
    });
    expect(configFiles(d)).toEqual([join(d, 'checkout.yaml'), join(d, 'fleet.yaml'), join(d, 'search.yml')]);
    const config = readConfig(d);
    expect(config.services.map((s) => [s.service, s.file, s.fleet])).toEqual([['checkout', join(d, 'checkout.yaml'), 'prod'], ['search', join(d, 'search.yml'), 'prod']]);
    expect(config.fleets).toEqual([{ name: 'prod', file: join(d, 'fleet.yaml'), perRegion: 2 }]);
    expect(config.services[0]!.text).toBe(`${example('checkout.yaml')}\n---\n${example('fleet.yaml')}`);
  });

  it('says it was a directory, and keeps the documents for locating findings', () => {
    const d = dir('sources', { 'fleet.yaml': example('fleet.yaml'), 'profile.yaml': example('profile.yaml') });
    const loaded = readConfigSources(d);
    expect(loaded.directory).toBe(true);
    expect(loaded.path).toBe(d);
    expect(loaded.services[0]!.source.file).toBe(join(d, 'profile.yaml'));
    expect(loaded.services[0]!.fleet!.source.file).toBe(join(d, 'fleet.yaml'));
  });

  it('reads a single policy file as a configuration of one service without a fleet', () => {
    const file = join(dir('single', { 'webapp.yaml': webapp }), 'webapp.yaml');
    const loaded = readConfigSources(file);
    expect(loaded.directory).toBe(false);
    expect(loaded.config).toEqual({ services: [{ service: 'webapp', policy: loaded.services[0]!.service.policy, text: webapp, file, fleet: null }], fleets: [] });
  });

  it('reports the errors of every file together', () => {
    const d = dir('broken', {
      'a.yaml': example('search.yaml').replace('bake: 24h', 'bake: 24'),
      'fleet.yaml': example('fleet.yaml'),
      'z.yaml': example('profile.yaml').replace('fleet: prod', 'fleet: prd'),
    });
    expect(() => readConfig(d)).toThrow(PolicyError);
    try {
      readConfig(d);
    } catch (e) {
      expect((e as PolicyError).problems.map((p) => `${p.file}:${p.line}: ${p.message}`)).toEqual([
        `${join(d, 'a.yaml')}:21: "24" is not a duration (use e.g. 24h)`,
        `${join(d, 'z.yaml')}:12: fleet "prd" is not defined (did you mean "prod"?)`,
      ]);
    }
  });

  it('refuses an oversized file by its size, without reading it', () => {
    const d = dir('big', { 'fleet.yaml': example('fleet.yaml'), 'huge.yaml': `# ${'x'.repeat(1024 * 1024)}\n` });
    expect(() => readConfig(d)).toThrow(new PolicyError([{ file: join(d, 'huge.yaml'), line: 1, col: 1, path: '', message: 'the file is 1048579 bytes; the limit is 1048576 (is this the right file?)' }]));
  });

  it('refuses a directory without YAML files, or without a policy, naming the directory', () => {
    const empty = dir('empty', { 'README.md': '# nothing here' });
    expect(() => readConfig(empty)).toThrow(new UsageError(`${empty}: no *.yaml or *.yml file in this directory`));
    const fleetOnly = dir('fleet-only', { 'fleet.yaml': example('fleet.yaml') });
    expect(() => readConfig(fleetOnly)).toThrow(new UsageError(`${fleetOnly}: no ReleasePolicy among its YAML files (fleet.yaml); a configuration needs at least one service`));
  });

  it('refuses a path that does not exist, naming it', () => {
    const missing = join(root, 'nope');
    expect(() => readConfig(missing)).toThrow(new UsageError(`${missing}: no such file`));
  });
});
