/** @module Tests of `meridian gates calibrate`: the table and verdicts, --json, hints, usage errors, and exit 1 past a bound. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../../policy/load.ts';
import type { Calibration } from '../../runtime/calibrate.ts';
import { calibrationText } from './gates.ts';
import { cli } from '../run.test-helper.ts';

const POLICY = 'examples/webapp.yaml';
const GOOD = 'examples/scenarios/good-release.yaml';

const tmp = mkdtempSync(join(tmpdir(), 'meridian-gates-'));

/** webapp with vs-baseline made hair-trigger: any increase, at confidence 0.5, one failure fails the ring. */
const tightPolicy = join(tmp, 'tight.yaml');
writeFileSync(
  tightPolicy,
  readFileSync(POLICY, 'utf8').replace(
    'compare: { metric: error_rate, baseline: stable-regions, maxIncrease: 0.005 }',
    'compare: { metric: error_rate, baseline: stable-regions, maxIncrease: 0, confidence: 0.5 }\n      failures: 1',
  ),
);

/** A release a little worse than its baseline in the canary (0.3% errors against 0.2%): what a hair-trigger gate trips on. */
const slightlyWorse = join(tmp, 'slightly-worse.yaml');
writeFileSync(slightlyWorse, `${readFileSync(GOOD, 'utf8').replace('name: good-release', 'name: slightly-worse')}  faults:\n    - { kind: error-rate, regions: [ap-south-1], value: 0.003 }\n`);

describe('meridian gates calibrate', () => {
  it('prints a row per gate and ring, then a verdict per gate, and exits 0 when every gate is within its bound', async () => {
    const r = await cli('gates', 'calibrate', POLICY, '--scenario', GOOD, '--seeds', '3');
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const lines = r.out.split('\n');
    expect(lines.slice(0, 2)).toEqual(['good-release: webapp over seeds 1..3 (3 completed)', '']);
    expect(lines[2]!.split(/ {2,}/)).toEqual(['GATE', 'RING', 'KIND', 'EVALUATIONS', 'FALSE FAILURES', 'BAKES FAILED', 'FALSE-ALARM RATE', 'BOUND', 'CLOSEST MARGIN', 'WHERE', 'VALUE']);
    // The counts; the closest-margin columns are tested with made-up margins below.
    expect(lines.slice(3, 11).map((l) => l.split(/ {2,}/).slice(0, 8))).toEqual([
      ['error-rate', 'ring-0', 'threshold', '3393', '0', '0', '0', '-'],
      ['error-rate', 'ring-1', 'threshold', '3315', '0', '0', '0', '-'],
      ['error-rate', 'ring-2', 'threshold', '1269', '0', '0', '0', '-'],
      ['error-rate', 'ring-3', 'threshold', '387', '0', '0', '0', '-'],
      ['p99-latency', 'ring-1', 'threshold', '3315', '0', '0', '0', '-'],
      ['p99-latency', 'ring-2', 'threshold', '1269', '0', '0', '0', '-'],
      ['p99-latency', 'ring-3', 'threshold', '387', '0', '0', '0', '-'],
      ['vs-baseline', 'ring-1', 'comparison', '1458', '0', '0', '0', '0.02'],
    ]);
    expect(lines.slice(11, 15)).toEqual([
      '',
      'error-rate: observed false-alarm rate 0 (0 of 3 bakes); no bound: threshold',
      'p99-latency: observed false-alarm rate 0 (0 of 3 bakes); no bound: threshold',
      'vs-baseline: observed false-alarm rate 0 (0 of 3 bakes) is within its bound 0.02 (1 − confidence)',
    ]);
  });

  it('prints { seeds, gates: [{ gate, ring, evaluations, failures, bakesFailed, falseAlarmRate, bound, closestMargin }] } with --json', async () => {
    const r = await cli('gates', 'calibrate', POLICY, '--scenario', GOOD, '--seeds', '3', '--json');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as { seeds: number; gates: Array<Record<string, unknown>> };
    expect(doc.seeds).toBe(3);
    expect(doc.gates.map((g) => [g.gate, g.ring, g.evaluations, g.failures, g.bakesFailed, g.falseAlarmRate, g.bound])).toEqual([
      ['error-rate', 'ring-0', 3393, 0, 0, 0, null],
      ['error-rate', 'ring-1', 3315, 0, 0, 0, null],
      ['error-rate', 'ring-2', 1269, 0, 0, 0, null],
      ['error-rate', 'ring-3', 387, 0, 0, 0, null],
      ['p99-latency', 'ring-1', 3315, 0, 0, 0, null],
      ['p99-latency', 'ring-2', 1269, 0, 0, 0, null],
      ['p99-latency', 'ring-3', 387, 0, 0, 0, null],
      ['vs-baseline', 'ring-1', 1458, 0, 0, 0, 0.02],
    ]);
    const regions: Record<string, string[]> = { 'ring-0': ['internal'], 'ring-1': ['ap-south-1'], 'ring-2': ['eu-west-1'], 'ring-3': ['us-east-1'] };
    for (const g of doc.gates) {
      // Null until the gate evaluators say how close they came; then the closest one, in the ring's region.
      const m = g.closestMargin as { margin: number; region: string; at: string; value: number | null } | null;
      if (m === null) continue;
      expect(typeof m.margin).toBe('number');
      expect(regions[g.ring as string]).toContain(m.region);
      expect(new Date(m.at).toISOString()).toBe(m.at);
    }
  });

  it('exits 1 when a comparison gate fails more bakes than 1 − confidence allows', async () => {
    const r = await cli('gates', 'calibrate', tightPolicy, '--scenario', slightlyWorse, '--seeds', '3');
    expect(r.code).toBe(1);
    expect(r.out).toContain('vs-baseline: observed false-alarm rate 1 (3 of 3 bakes in ring-1) EXCEEDS its bound 0.5 (1 − confidence)\n');
    const json = await cli('gates', 'calibrate', tightPolicy, '--scenario', slightlyWorse, '--seeds', '3', '--json');
    expect(json.code).toBe(1);
    expect((JSON.parse(json.out) as { gates: Array<{ gate: string; falseAlarmRate: number; bound: number | null }> }).gates.find((g) => g.gate === 'vs-baseline'))
      .toMatchObject({ failures: 3, bakesFailed: 3, falseAlarmRate: 1, bound: 0.5 });
  });

  it('says on stderr when the scenario has faults: failures on it are not all false alarms', async () => {
    const r = await cli('gates', 'calibrate', POLICY, '--scenario', 'examples/scenarios/leak.yaml', '--seeds', '1', '--json');
    expect(r.err).toBe('note: leak has faults (leak); failures on it are not all false alarms\n');
    expect(r.code).toBe(0);
  });

  it.each([
    [[], '--seeds N is required (a whole number from 1 to 10,000)'],
    [['--seeds', '0'], '--seeds "0" is not a whole number from 1 to 10,000'],
    [['--seeds', '10001'], '--seeds "10001" is not a whole number from 1 to 10,000'],
    [['--seeds', 'many'], '--seeds "many" is not a whole number from 1 to 10,000'],
    [['--seeds', '2.5'], '--seeds "2.5" is not a whole number from 1 to 10,000'],
    [['--seeds', '-3'], '--seeds "-3" is not a whole number from 1 to 10,000'],
  ])('exits 2 on a bad --seeds %j', async (args, message) => {
    expect(await cli('gates', 'calibrate', POLICY, '--scenario', GOOD, ...args)).toEqual({ code: 2, out: '', err: `meridian: ${message}\n` });
  });

  it('exits 2 on an unknown policy or scenario file, or without --scenario', async () => {
    expect(await cli('gates', 'calibrate', 'no-such.yaml', '--scenario', GOOD, '--seeds', '2')).toEqual({ code: 2, out: '', err: 'meridian: no-such.yaml: no such file\n' });
    expect(await cli('gates', 'calibrate', POLICY, '--scenario', 'no-such.yaml', '--seeds', '2')).toEqual({ code: 2, out: '', err: 'meridian: no-such.yaml: no such file\n' });
    expect(await cli('gates', 'calibrate', POLICY, '--seeds', '2')).toEqual({ code: 2, out: '', err: 'meridian: --scenario FILE is required (see examples/scenarios/)\n' });
  });
});

describe('calibrationText (near misses)', () => {
  const { policy } = loadPolicy(readFileSync(POLICY, 'utf8'), POLICY);
  // 08:35Z is 14:05 in Asia/Kolkata (+05:30) and 08:35 in Europe/London in March (GMT).
  const at = Date.parse('2026-03-02T08:35:00Z');
  const row = { evaluations: 10, failures: 0, bakesFailed: 0, falseAlarmRate: 0 };
  const c: Calibration = {
    seeds: 4,
    outcomes: { completed: 4 },
    exceeded: false,
    gates: [
      { ...row, gate: 'error-rate', ring: 'ring-1', kind: 'threshold', bound: null, closestMargin: { margin: 0.04, region: 'ap-south-1', at, value: 0.0096, seed: 3 } },
      { ...row, gate: 'p99-latency', ring: 'ring-2', kind: 'threshold', bound: null, closestMargin: { margin: 0.35, region: 'eu-west-1', at, value: 130, seed: 1 } },
      { ...row, failures: 1, gate: 'vs-baseline', ring: 'ring-1', kind: 'comparison', bound: 0.02, closestMargin: { margin: -0.125, region: 'ap-south-1', at, value: 0.0056, seed: 2 } },
    ],
    verdicts: [
      { gate: 'error-rate', kind: 'threshold', bound: null, worstRing: 'ring-1', falseAlarmRate: 0, withinBound: null, limit: 'max', closest: { margin: 0.04, region: 'ap-south-1', at, value: 0.0096, seed: 3, ring: 'ring-1' } },
      { gate: 'p99-latency', kind: 'threshold', bound: null, worstRing: 'ring-2', falseAlarmRate: 0, withinBound: null, limit: 'max', closest: { margin: 0.35, region: 'eu-west-1', at, value: 130, seed: 1, ring: 'ring-2' } },
      { gate: 'vs-baseline', kind: 'comparison', bound: 0.02, worstRing: 'ring-1', falseAlarmRate: 0, withinBound: true, limit: 'maxIncrease', closest: { margin: -0.125, region: 'ap-south-1', at, value: 0.0056, seed: 2, ring: 'ring-1' } },
    ],
  };

  it('shows the closest margin with its region, local time and seed, and hints at the gates that came within 10% of their limit', () => {
    const text = calibrationText(policy, 'good-release', c);
    expect(text).toContain('error-rate   ring-1  threshold   10           0               0             0                 -      0.04            ap-south-1 14:05 local (seed 3)  0.0096\n');
    expect(text.endsWith([
      '',
      'error-rate came within 4% of its limit in ap-south-1 at 14:05 local (ring-1, seed 3): raise max or add evidence',
      'vs-baseline went 13% past its limit in ap-south-1 at 14:05 local (ring-1, seed 2): raise maxIncrease or add evidence',
      '',
    ].join('\n'))).toBe(true);
    expect(text).not.toContain('p99-latency came within');
  });
});
