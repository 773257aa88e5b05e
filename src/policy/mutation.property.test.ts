import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { PolicyError } from '../errors.ts';
import { planRelease } from '../plan/release-plan.ts';
import { lint } from './lint/lint.ts';
import { loadPolicy } from './load.ts';

const webapp = readFileSync(new URL('../../examples/webapp.yaml', import.meta.url), 'utf8');
const base: unknown = parse(webapp);

type Path = (string | number)[];

function paths(value: unknown, prefix: Path = []): Path[] {
  const out: Path[] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

const allPaths = paths(base).filter((p) => p.length > 0);

type Mutation = { path: Path; op: 'delete' | 'replace' | 'rename'; value: unknown; name: string };

function mutate(doc: unknown, m: Mutation): unknown {
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  let parent: Record<string | number, unknown> = copy;
  for (const key of m.path.slice(0, -1)) {
    const next = parent[key];
    if (next === null || typeof next !== 'object') return copy; // an earlier mutation removed it
    parent = next as Record<string | number, unknown>;
  }
  const last = m.path[m.path.length - 1]!;
  if (m.op === 'delete') {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else if (m.op === 'replace') {
    parent[last] = m.value;
  } else if (!Array.isArray(parent)) {
    parent[m.name] = parent[last];
    delete parent[last];
  }
  return copy;
}

const values = fc.oneof(
  fc.constantFrom('24', '1d12h', '', 'Mon-Fri', '25:00', 'Europe/Londn', 'ring-9', 'stable-regions', '2026-02-30T00:00:00Z', -1, 0, 1.5, 1e308, null, true, [], {}),
  fc.jsonValue({ maxDepth: 2 }),
);

const mutation = fc.record({
  path: fc.constantFrom(...allPaths),
  op: fc.constantFrom<Mutation['op']>('delete', 'replace', 'rename'),
  value: values,
  name: fc.constantFrom('nmae', 'regons', 'bake', 'x', 'userShare'),
});

function loadOrProblems(text: string): ReturnType<typeof loadPolicy> | null {
  try {
    return loadPolicy(text, 'fuzz.yaml');
  } catch (e) {
    if (!(e instanceof PolicyError)) throw e;
    expect(e.problems.length).toBeGreaterThan(0);
    for (const p of e.problems) {
      expect(p.line).toBeGreaterThanOrEqual(1);
      expect(p.message.length).toBeGreaterThan(0);
      // A message shows what the file says, never a value the loader made up.
      expect(p.message).not.toMatch(/\bundefined\b|\bNaN\b/);
    }
    expect(new Set(e.problems.map((p) => `${p.line}:${p.col}: ${p.path}: ${p.message}`)).size).toBe(e.problems.length);
    return null;
  }
}

describe('random mutations of a valid policy', () => {
  it('validate reports located problems (schema and cross-field, none twice) or accepts; plan and lint never throw on what it accepts', () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (ms) => {
        let doc = base;
        for (const m of ms) doc = mutate(doc, m);
        const loaded = loadOrProblems(stringify(doc));
        if (loaded) {
          const plan = planRelease(loaded.policy, { start: Date.parse('2026-03-02T03:30:00Z') });
          expect(typeof plan.ok).toBe('boolean');
          expect(Array.isArray(lint({ policy: loaded.policy }))).toBe(true);
        }
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 400), ...(process.env.FUZZ_RUNS ? {} : { seed: 20261126 }) },
    );
  });

  it('byte-level damage to the file is reported, never thrown as anything else', () => {
    fc.assert(
      fc.property(fc.nat({ max: webapp.length - 1 }), fc.string({ minLength: 0, maxLength: 6 }), fc.nat({ max: 8 }), (at, insert, cut) => {
        loadOrProblems(webapp.slice(0, at) + insert + webapp.slice(at + cut));
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 400), ...(process.env.FUZZ_RUNS ? {} : { seed: 7 }) },
    );
  });
});
