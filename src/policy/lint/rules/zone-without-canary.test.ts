/** @module Tests of the lint rule zone-without-canary: policies that fire it, with their exact messages and severities, and policies that do not. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { policyWith, region, ring, type Patch } from '../test-helpers.ts';
import { zoneWithoutCanary } from './zone-without-canary.ts';

const RESIDENCY = readFileSync(new URL('../../../../examples/residency.yaml', import.meta.url), 'utf8');
const check = (patch?: Patch) => zoneWithoutCanary.check({ policy: policyWith(patch, RESIDENCY).policy });

describe('zone-without-canary', () => {
  it('is silent when each zone is first reached by its smallest region (examples/residency.yaml)', () => {
    expect(check()).toEqual([]);
  });

  it('warns when the first ring to reach a zone holds its largest region', () => {
    const findings = check((p) => {
      ring(p, 'ring-1').regions = ['eu-central-1'];
      ring(p, 'ring-3').regions = ['eu-west-1'];
    });
    expect(findings).toEqual([{
      rule: 'zone-without-canary',
      severity: 'warning',
      path: ['spec', 'rings', 1, 'regions'],
      message: "ring-1 is the first ring to reach EU and holds eu-central-1 (71.43% of EU's users): more than EU's smallest region (eu-west-1, 28.57%) and more than half of EU's users; give EU a canary: eu-west-1 in a ring before the rest of EU",
    }]);
  });

  it('warns when the first ring to reach a zone holds all of it, even as its smallest regions', () => {
    const findings = check((p) => {
      ring(p, 'ring-2').regions = ['us-west-2', 'us-east-1'];
      p.spec.rings = p.spec.rings.filter((r) => r.name !== 'ring-4');
    });
    expect(findings.map((f) => [f.severity, f.path, f.message])).toEqual([[
      'warning',
      ['spec', 'rings', 2, 'regions'],
      "ring-2 is the first ring to reach US and holds us-west-2 and us-east-1 (100% of US's users): more than US's smallest region (us-west-2, 34.48%) and more than half of US's users; give US a canary: us-west-2 in a ring before the rest of US",
    ]]);
  });

  it('is an error for a tier 1 service', () => {
    const findings = check((p) => {
      p.spec.service.tier = 1;
      ring(p, 'ring-1').regions = ['eu-central-1'];
      ring(p, 'ring-3').regions = ['eu-west-1'];
    });
    expect(findings.map((f) => f.severity)).toEqual(['error']);
  });

  it('is silent for a zone of one region and for regions without a label', () => {
    expect(check((p) => {
      delete region(p, 'eu-west-1').residency;
      delete region(p, 'us-west-2').residency;
      delete region(p, 'us-east-1').residency;
      p.spec.data = { pattern: 'schema-compatible' };
      ring(p, 'ring-1').regions = ['eu-central-1'];
      ring(p, 'ring-3').regions = ['eu-west-1'];
    })).toEqual([]);
  });

  it('is silent when the first ring holds a region no larger than the zone\'s smallest', () => {
    expect(check((p) => {
      region(p, 'eu-west-1').userShare = 0.21;
      region(p, 'eu-central-1').userShare = 0.21;
      ring(p, 'ring-1').regions = ['eu-central-1'];
      ring(p, 'ring-3').regions = ['eu-west-1'];
    })).toEqual([]);
  });
});
