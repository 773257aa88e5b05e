/** @module Tests of drains inside residency zones: where a zone's users go, the refusals that name the zone and its numbers, and the loss verdicts lint reports, zone by zone. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadPolicy } from '../policy/load.ts';
import type { PolicyInput } from '../policy/schema.ts';
import { planDrain, regionsThatCannotBeLost } from './headroom.ts';

const text = readFileSync(new URL('../../examples/residency.yaml', import.meta.url), 'utf8');
const { policy } = loadPolicy(text, 'examples/residency.yaml');

/** The example with a patch applied to its document. */
function patched(patch: (doc: PolicyInput) => void) {
  const doc = parse(text) as PolicyInput;
  patch(doc);
  return loadPolicy(stringify(doc), 'policy.yaml').policy;
}

describe('draining a region of a residency zone', () => {
  it('spreads its users over the other serving regions of its zone only', () => {
    expect(planDrain(policy, 'eu-west-1')).toEqual({ allowed: true, reason: null, shifts: [{ to: 'eu-central-1', share: 0.12 }] });
    expect(planDrain(policy, 'us-east-1')).toEqual({ allowed: true, reason: null, shifts: [{ to: 'us-west-2', share: 0.38 }] });
  });

  it('is refused when its zone lacks the headroom, naming the zone, the numbers and the regions outside it', () => {
    expect(planDrain(policy, 'eu-central-1')).toEqual({
      allowed: false,
      reason: 'draining eu-central-1 (EU, 30% of users) needs 0.30 of spare capacity inside EU; the other EU region, eu-west-1, can absorb 0.12; us-west-2 and us-east-1 are outside EU',
      shifts: [],
    });
  });

  it('would have been allowed without the labels: the capacity across the boundary is what the refusal leaves out', () => {
    const unlabelled = patched((doc) => {
      for (const r of doc.spec.regions) delete r.residency;
      doc.spec.data = { pattern: 'schema-compatible' };
    });
    expect(planDrain(unlabelled, 'eu-central-1').allowed).toBe(true);
    expect(planDrain(unlabelled, 'eu-central-1').shifts.map((s) => s.to)).toEqual(['eu-west-1', 'us-west-2', 'us-east-1']);
  });

  it('counts only the zone regions that serve', () => {
    expect(planDrain(policy, 'eu-west-1', ['eu-west-1', 'us-west-2', 'us-east-1']).reason).toBe(
      'draining eu-west-1 (EU, 12% of users) needs 0.12 of spare capacity inside EU; no other EU region is serving; us-west-2 and us-east-1 are outside EU',
    );
  });

  it('lets an unrestricted region hand its users to any region, zones included', () => {
    const mixed = patched((doc) => {
      const us = doc.spec.regions.find((r) => r.name === 'us-west-2')!;
      delete us.residency;
      doc.spec.data = { pattern: 'schema-compatible' };
    });
    expect(planDrain(mixed, 'us-west-2').shifts.map((s) => s.to)).toEqual(['eu-west-1', 'eu-central-1', 'us-east-1']);
    // ... while us-east-1, still US, has no US region left to take its users.
    expect(planDrain(mixed, 'us-east-1').reason).toBe(
      'draining us-east-1 (US, 38% of users) needs 0.38 of spare capacity inside US; no other US region is serving; us-west-2, eu-west-1 and eu-central-1 are outside US',
    );
  });

  it('names at most five of the zone regions and counts the rest', () => {
    const regions = Array.from({ length: 8 }, (_, i) => ({ name: `eu-${i}`, residency: 'EU', timezone: 'Europe/Berlin', userShare: i === 0 ? 0.3 : 0.1, capacity: 1.01, clusters: [{ name: `eu-${i}` }] }));
    const big = patched((doc) => {
      doc.spec.regions = [doc.spec.regions[0]!, ...regions];
      doc.spec.rings = [{ name: 'ring-0', regions: ['internal'] }, { name: 'ring-1', regions: regions.map((r) => r.name) }];
      doc.spec.data = { pattern: 'schema-compatible' };
    });
    expect(planDrain(big, 'eu-0').reason).toBe(
      'draining eu-0 (EU, 30% of users) needs 0.30 of spare capacity inside EU; the other 7 EU regions can absorb 0.007 (eu-1 0.001, eu-2 0.001, eu-3 0.001, eu-4 0.001, eu-5 0.001 and 2 more)',
    );
  });
});

describe('regions that cannot be lost, zone by zone', () => {
  it('says of each region what planDrain says when it is refused', () => {
    const tight = patched((doc) => {
      doc.spec.regions.find((r) => r.name === 'us-west-2')!.capacity = 2.5;
    });
    const verdicts = regionsThatCannotBeLost(tight).map((v) => [v.region.name, v.reason]);
    expect(verdicts).toEqual([
      ['eu-central-1', planDrain(tight, 'eu-central-1').reason],
      ['us-east-1', planDrain(tight, 'us-east-1').reason],
    ]);
    expect(verdicts[1]![1]).toBe('draining us-east-1 (US, 38% of users) needs 0.38 of spare capacity inside US; the other US region, us-west-2, can absorb 0.30; eu-west-1 and eu-central-1 are outside US');
  });
});
