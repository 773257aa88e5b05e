/** @module Tests of gate calibration: counting over made-up runs (pure), and over simulated good releases. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { initialState } from '../engine/decide.ts';
import type { ReleaseState } from '../engine/types.ts';
import type { Evaluation } from '../gates/types.ts';
import { loadPolicy } from '../policy/load.ts';
import { loadScenario } from '../sim/scenario.ts';
import { calibrate, runCalibration, type CalibrationRun } from './calibrate.ts';

const POLICY_FILE = new URL('../../examples/webapp.yaml', import.meta.url).pathname;
const GOOD_FILE = new URL('../../examples/scenarios/good-release.yaml', import.meta.url).pathname;
const { policy } = loadPolicy(readFileSync(POLICY_FILE, 'utf8'), POLICY_FILE);
const { scenario: good } = loadScenario(readFileSync(GOOD_FILE, 'utf8'), GOOD_FILE, policy);

const T0 = Date.parse('2026-03-02T08:00:00Z');
const release = { id: 'r', service: 'webapp', version: 'v2', previousVersion: 'v1', changes: ['app' as const], schemaPhase: 'expand' as const };

/** A finished run's state: completed, or rolled back with `failed` = [ring, gate]. */
function state(failed?: [string, string]): ReleaseState {
  const s = initialState(policy, release, {}, T0);
  s.phase = failed ? 'rolled-back' : 'completed';
  for (const r of s.rings) r.verdict = 'passed';
  if (failed) {
    const r = s.rings.find((x) => x.name === failed[0])!;
    r.verdict = 'failed';
    r.failedGate = failed[1];
  }
  return s;
}

function ev(gate: string, region: string, minutes: number, result: Evaluation['result'], value: number | null, margin?: number): Evaluation {
  return { gate, region, at: T0 + minutes * 60_000, kind: 'interval', result, value, detail: '', ...(margin === undefined ? {} : { margin }) };
}

describe('calibrate (pure)', () => {
  const runs: CalibrationRun[] = [
    {
      seed: 1,
      state: state(),
      rounds: [
        { ring: 'ring-1', evaluations: [ev('error-rate', 'ap-south-1', 5, 'pass', 0.002, 0.8), ev('vs-baseline', 'ap-south-1', 5, 'pass', 0.0001, 0.5)] },
        { ring: 'ring-1', evaluations: [ev('error-rate', 'ap-south-1', 10, 'fail', 0.011, -0.1), ev('vs-baseline', 'ap-south-1', 10, 'inconclusive', null)] },
        { ring: 'ring-2', evaluations: [ev('error-rate', 'eu-west-1', 15, 'pass', 0.0096, 0.04)] },
      ],
    },
    {
      seed: 2,
      state: state(['ring-1', 'vs-baseline']),
      rounds: [
        // An evaluation without a margin counts, but says nothing about how close it came.
        { ring: 'ring-1', evaluations: [ev('vs-baseline', 'ap-south-1', 5, 'fail', 0.004), ev('vs-baseline', 'ap-south-1', 10, 'fail', 0.004, -0.2)] },
      ],
    },
  ];
  const c = calibrate(policy, runs);
  const row = (gate: string, ring: string) => c.gates.find((g) => g.gate === gate && g.ring === ring)!;

  it('has one row per gate of each ring that lists it, in the order of spec.gates, then of the rings', () => {
    expect(c.gates.map((g) => `${g.gate}@${g.ring}`)).toEqual([
      'error-rate@ring-0', 'error-rate@ring-1', 'error-rate@ring-2', 'error-rate@ring-3',
      'p99-latency@ring-1', 'p99-latency@ring-2', 'p99-latency@ring-3', 'vs-baseline@ring-1',
    ]);
  });

  it('counts evaluations, failed evaluations and the bakes in which the gate failed its ring', () => {
    expect(row('error-rate', 'ring-1')).toMatchObject({ evaluations: 2, failures: 1, bakesFailed: 0, falseAlarmRate: 0, bound: null, kind: 'threshold' });
    expect(row('vs-baseline', 'ring-1')).toMatchObject({ evaluations: 4, failures: 2, bakesFailed: 1, falseAlarmRate: 0.5, bound: 0.02, kind: 'comparison' });
    expect(row('error-rate', 'ring-3')).toMatchObject({ evaluations: 0, failures: 0, closestMargin: null });
    expect(c.outcomes).toEqual({ completed: 1, 'rolled-back': 1 });
  });

  it('keeps the smallest margin of the conclusive evaluations, with where, when, the value and the seed', () => {
    expect(row('error-rate', 'ring-1').closestMargin).toEqual({ margin: -0.1, region: 'ap-south-1', at: T0 + 10 * 60_000, value: 0.011, seed: 1 });
    expect(row('error-rate', 'ring-2').closestMargin).toEqual({ margin: 0.04, region: 'eu-west-1', at: T0 + 15 * 60_000, value: 0.0096, seed: 1 });
    expect(row('vs-baseline', 'ring-1').closestMargin).toMatchObject({ margin: -0.2, seed: 2 });
    expect(row('p99-latency', 'ring-1').closestMargin).toBeNull();
  });

  it('judges each gate by its worst ring: a comparison gate against 1 − confidence, a threshold gate against nothing', () => {
    expect(c.verdicts.map((v) => [v.gate, v.worstRing, v.falseAlarmRate, v.bound, v.withinBound, v.limit, v.closest?.ring ?? null])).toEqual([
      ['error-rate', 'ring-0', 0, null, null, 'max', 'ring-1'],
      ['p99-latency', 'ring-1', 0, null, null, 'max', null],
      ['vs-baseline', 'ring-1', 0.5, 0.02, false, 'maxIncrease', 'ring-1'],
    ]);
    expect(c.exceeded).toBe(true);
    expect(calibrate(policy, [runs[0]!]).exceeded).toBe(false);
  });

  it('has no runs to count over zero seeds', () => {
    expect(calibrate(policy, [])).toMatchObject({ seeds: 0, exceeded: false, outcomes: {} });
  });
});

describe('runCalibration (simulated good releases)', () => {
  it('runs seeds 1..N of the good release and finds no false alarm in webapp', async () => {
    const seen: number[] = [];
    const c = await runCalibration(policy, good, 2, (n) => seen.push(n));
    expect(seen).toEqual([1, 2]);
    expect(c.seeds).toBe(2);
    expect(c.outcomes).toEqual({ completed: 2 });
    // A threshold gate reads its last interval, and its sliding hour once the ring has run an hour;
    // a ring that passed stays watched until the release completes (ring-0 from the first hour on).
    expect(c.gates.map((g) => [g.gate, g.ring, g.evaluations, g.failures, g.bakesFailed])).toEqual([
      ['error-rate', 'ring-0', 2262, 0, 0],
      ['error-rate', 'ring-1', 2210, 0, 0],
      ['error-rate', 'ring-2', 846, 0, 0],
      ['error-rate', 'ring-3', 258, 0, 0],
      ['p99-latency', 'ring-1', 2210, 0, 0],
      ['p99-latency', 'ring-2', 846, 0, 0],
      ['p99-latency', 'ring-3', 258, 0, 0],
      ['vs-baseline', 'ring-1', 972, 0, 0],
    ]);
    expect(c.exceeded).toBe(false);
  });
});
