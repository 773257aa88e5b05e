/** @module Tests of the hourly traffic weights shared by a scenario's `spec.traffic` and `windows --traffic`: the rules and their exact messages. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PolicyError } from '../errors.ts';
import { loadPolicy } from './load.ts';
import { loadDocument } from './source.ts';
import { TrafficWeights, trafficRegionIssues } from './traffic-weights.ts';

const day = (at: (h: number) => string): string => `[${Array.from({ length: 24 }, (_, h) => at(h)).join(', ')}]`;

function errorsOf(text: string): string[] {
  try {
    loadDocument(text, 'traffic.yaml', TrafficWeights);
    return [];
  } catch (e) {
    if (!(e instanceof PolicyError)) throw e;
    return e.problems.map((p) => `${p.line}:${p.col}: ${p.path}: ${p.message}`);
  }
}

describe('hourly traffic weights', () => {
  it('takes 24 weights of at least 0 per region, as written', () => {
    const { value } = loadDocument(`eu-west-1: ${day((h) => (h === 3 ? '0' : '1.5'))}\n`, 'traffic.yaml', TrafficWeights);
    expect(value['eu-west-1']).toHaveLength(24);
    expect(value['eu-west-1']![3]).toBe(0);
  });

  it('names the region and the hour that break a rule', () => {
    expect(errorsOf(`a: [1, 2]\nb: ${day(() => '0')}\nc: ${day((h) => (h === 5 ? '-1' : '1'))}\nd: ${day((h) => (h === 5 ? '.inf' : '1'))}\n`)).toEqual([
      '1:4: a: needs exactly 24 hourly weights (local hours 00..23), got 2',
      '2:4: b: at least one hourly weight must be above 0',
      '3:20: c[5]: must be at least 0, got -1',
      '4:20: d[5]: expected number, got .inf (infinite)',
    ]);
  });

  it('names a region the policy does not have, with the close name or the known ones', () => {
    const { policy } = loadPolicy(readFileSync(new URL('../../examples/webapp.yaml', import.meta.url), 'utf8'), 'webapp.yaml');
    expect(trafficRegionIssues({ 'eu-west-1': [], 'eu-wset-1': [], 'mars-1': [] }, policy, ['spec', 'traffic'])).toEqual([
      { path: ['spec', 'traffic', 'eu-wset-1'], atKey: true, message: 'region "eu-wset-1" is not in policy webapp (did you mean "eu-west-1"?)' },
      { path: ['spec', 'traffic', 'mars-1'], atKey: true, message: 'region "mars-1" is not in policy webapp (known: internal, ap-south-1, eu-west-1, us-east-1)' },
    ]);
  });
});
