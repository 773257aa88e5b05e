/** @module Tests of lint(): the rule list in table order, a clean policy, and the order of findings. */
import { describe, expect, it } from 'vitest';
import { lint } from './lint.ts';
import { RULES } from './rules/index.ts';
import { loadPolicy } from '../load.ts';
import { fleetPolicy } from '../testing.ts';
import { countingRegionReads, policyWith, region, releaseWith, ring } from './test-helpers.ts';

describe('lint', () => {
  it('knows the fourteen rules of the lint table, in table order', () => {
    expect(RULES.map((r) => r.id)).toEqual([
      'simultaneous-deploy',
      'canary-not-smallest',
      'canary-unmonitored',
      'canary-unrepresentative',
      'canary-bake-under-24h',
      'zone-without-canary',
      'no-automated-rollback',
      'insufficient-headroom',
      'averaged-gate',
      'no-deploy-windows',
      'tier-timing',
      'infra-and-app-together',
      'replication-during-schema-change',
      'rollback-not-upstream',
    ]);
  });

  it('finds nothing in a well-made policy', () => {
    expect(lint({ policy: policyWith().policy })).toEqual([]);
  });

  it('lists errors first, then warnings, each in rule order', () => {
    const { policy } = policyWith((p) => {
      p.spec.windows = { deploy: 'always' };
      region(p, 'eu-west-1').representative = false;
      ring(p, 'ring-2').onFailure = { rollback: ['ring-3'] };
      ring(p, 'ring-1').bake = '12h';
    });
    expect(lint({ policy }).map((f) => [f.severity, f.rule])).toEqual([
      ['error', 'canary-bake-under-24h'],
      ['error', 'rollback-not-upstream'],
      ['warning', 'canary-unrepresentative'],
      ['warning', 'no-deploy-windows'],
      ['warning', 'tier-timing'],
    ]);
  });

  it('sorts a rule that escalates to an error among the errors', () => {
    const { policy } = policyWith((p) => {
      ring(p, 'ring-1').regions = ['us-east-1'];
      ring(p, 'ring-3').regions = ['eu-west-1'];
      p.spec.windows = { deploy: 'always' };
    });
    expect(lint({ policy }).map((f) => [f.severity, f.rule])).toEqual([
      ['error', 'canary-not-smallest'],
      ['warning', 'no-deploy-windows'],
    ]);
  });

  it('checks the release only when one is given', () => {
    const { policy } = policyWith();
    const release = releaseWith({ changes: ['app', 'infra', 'schema'] });
    expect(lint({ policy })).toEqual([]);
    expect(lint({ policy, release }).map((f) => f.rule)).toEqual(['infra-and-app-together', 'replication-during-schema-change']);
  });

  it('reads each region a bounded number of times across all rules, with one ring per region', () => {
    const fleet = loadPolicy(fleetPolicy({ regions: 150, ringSize: 1 }), 'fleet.yaml').policy;
    const { policy, reads } = countingRegionReads(fleet);
    expect(lint({ policy }).length).toBeGreaterThan(0);
    expect(reads()).toBeLessThan(100 * 150);
  });
});
