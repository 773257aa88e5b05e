/** @module Tests of the front-door weights: shares after a drain, integer weights, Global Accelerator and Route 53 inputs. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.ts';
import { loadPolicy } from '../policy/load.ts';
import {
  globalAcceleratorInputs,
  integerWeights,
  route53Input,
  sharesAfterDrain,
  sharesFromWeights,
  trafficDial,
} from './front-door.ts';
import { planDrain } from './headroom.ts';

/** ap-south-1 25% ×1.6, eu-west-1 30% ×1.6, us-east-1 45% ×1.4. */
const { policy } = loadPolicy(readFileSync(new URL('../../examples/haproxy/policy.yaml', import.meta.url), 'utf8'), 'policy.yaml');
const drainEu = sharesAfterDrain(policy, 'eu-west-1', planDrain(policy, 'eu-west-1'));

describe('sharesAfterDrain', () => {
  it('gives the drained region 0 and every other region its users plus the shift it takes on', () => {
    // spare: ap-south-1 0.15, us-east-1 0.18 → 0.30 split 0.1364 / 0.1636
    expect(drainEu).toEqual({ 'ap-south-1': 0.3864, 'eu-west-1': 0, 'us-east-1': 0.6136 });
  });

  it('refuses to turn a refused plan into shares, giving the reason', () => {
    expect(() => sharesAfterDrain(policy, 'us-east-1', planDrain(policy, 'us-east-1'))).toThrow(
      new UsageError(
        'the drain of us-east-1 is refused: draining us-east-1 (45% of users) needs 0.45 of spare capacity; eu-west-1 and ap-south-1 have 0.33 (eu-west-1 0.18, ap-south-1 0.15)',
      ),
    );
  });
});

describe('sharesFromWeights', () => {
  it('reads load balancer weights as shares of their sum, production regions only', () => {
    expect(sharesFromWeights(policy, { 'ap-south-1': 142, 'eu-west-1': 0, 'us-east-1': 256, internal: 7 })).toEqual({
      'ap-south-1': 0.3568, 'eu-west-1': 0, 'us-east-1': 0.6432,
    });
  });

  it('counts a region without a weight as drained, and all zero as nothing serving', () => {
    expect(sharesFromWeights(policy, { 'us-east-1': 1 })).toEqual({ 'ap-south-1': 0, 'eu-west-1': 0, 'us-east-1': 1 });
    expect(sharesFromWeights(policy, {})).toEqual({ 'ap-south-1': 0, 'eu-west-1': 0, 'us-east-1': 0 });
  });

  it('rejects a negative or non-numeric weight, naming the region', () => {
    expect(() => sharesFromWeights(policy, { 'eu-west-1': -1 })).toThrow(new UsageError('the weight of eu-west-1 must be a number ≥ 0 (got -1)'));
    expect(() => sharesFromWeights(policy, { 'eu-west-1': Number.NaN })).toThrow(UsageError);
  });
});

describe('integerWeights', () => {
  it('gives the largest share the maximum weight and the others their proportion of it', () => {
    expect(integerWeights({ a: 0.25, b: 0.3, c: 0.45 }, 256)).toEqual({ a: 142, b: 171, c: 256 });
    expect(integerWeights({ a: 0.25, b: 0.3, c: 0.45 }, 255)).toEqual({ a: 142, b: 170, c: 255 });
  });

  it('keeps 0 at 0 and never rounds a positive share down to 0', () => {
    expect(integerWeights({ a: 0, b: 0.0001, c: 0.9999 }, 256)).toEqual({ a: 0, b: 1, c: 256 });
  });

  it('leaves every weight at 0 when every share is 0', () => {
    expect(integerWeights({ a: 0, b: 0 }, 255)).toEqual({ a: 0, b: 0 });
  });
});

describe('trafficDial', () => {
  it('is 0 for a drained region, 100 for a region keeping or gaining users, the kept percentage otherwise', () => {
    expect(trafficDial(0, 0.3)).toBe(0);
    expect(trafficDial(0.3864, 0.25)).toBe(100);
    expect(trafficDial(0.25, 0.25)).toBe(100);
    expect(trafficDial(0.15, 0.3)).toBe(50);
    expect(trafficDial(0.0001, 0.45)).toBe(1);
  });
});

describe('globalAcceleratorInputs', () => {
  it('dials the drained region to 0 and keeps the others at 100, one update-endpoint-group input per region', () => {
    expect(globalAcceleratorInputs(policy, drainEu)).toEqual([
      {
        EndpointGroupArn: 'arn:aws:globalaccelerator::ACCOUNT:accelerator/ACCELERATOR/listener/LISTENER/endpoint-group/ap-south-1-GROUP',
        TrafficDialPercentage: 100,
        EndpointConfigurations: [{ EndpointId: 'arn:aws:elasticloadbalancing:ap-south-1:ACCOUNT:loadbalancer/app/LOAD-BALANCER/ID', Weight: 128 }],
      },
      {
        EndpointGroupArn: 'arn:aws:globalaccelerator::ACCOUNT:accelerator/ACCELERATOR/listener/LISTENER/endpoint-group/eu-west-1-GROUP',
        TrafficDialPercentage: 0,
        EndpointConfigurations: [{ EndpointId: 'arn:aws:elasticloadbalancing:eu-west-1:ACCOUNT:loadbalancer/app/LOAD-BALANCER/ID', Weight: 0 }],
      },
      {
        EndpointGroupArn: 'arn:aws:globalaccelerator::ACCOUNT:accelerator/ACCELERATOR/listener/LISTENER/endpoint-group/us-east-1-GROUP',
        TrafficDialPercentage: 100,
        EndpointConfigurations: [{ EndpointId: 'arn:aws:elasticloadbalancing:us-east-1:ACCOUNT:loadbalancer/app/LOAD-BALANCER/ID', Weight: 128 }],
      },
    ]);
  });

  it('dials a region down to the part of its own users it keeps, from current weights', () => {
    const shares = sharesFromWeights(policy, { 'ap-south-1': 0.4, 'eu-west-1': 0.15, 'us-east-1': 0.45 });
    expect(globalAcceleratorInputs(policy, shares).map((g) => g.TrafficDialPercentage)).toEqual([100, 50, 100]);
  });

  it('uses the ARNs it is given instead of the placeholders', () => {
    const [first] = globalAcceleratorInputs(policy, drainEu, { endpointGroupArn: (r) => `arn:group:${r}`, endpointId: (r) => `alb-${r}` });
    expect(first).toEqual({ EndpointGroupArn: 'arn:group:ap-south-1', TrafficDialPercentage: 100, EndpointConfigurations: [{ EndpointId: 'alb-ap-south-1', Weight: 128 }] });
  });

  it('refuses to dial every region to 0', () => {
    expect(() => globalAcceleratorInputs(policy, {})).toThrow(
      new UsageError('no region would serve users: refusing to build Global Accelerator weights that drain every region'),
    );
  });
});

describe('route53Input', () => {
  it('upserts one weighted record per region, the drained one at weight 0', () => {
    expect(route53Input(policy, drainEu)).toEqual({
      HostedZoneId: 'HOSTED-ZONE-ID',
      ChangeBatch: {
        Comment: 'meridian: weights of webapp per region',
        Changes: [
          { Action: 'UPSERT', ResourceRecordSet: { Name: 'webapp.example.com', Type: 'CNAME', SetIdentifier: 'ap-south-1', Weight: 161, TTL: 60, ResourceRecords: [{ Value: 'ap-south-1.ENDPOINT.example.com' }] } },
          { Action: 'UPSERT', ResourceRecordSet: { Name: 'webapp.example.com', Type: 'CNAME', SetIdentifier: 'eu-west-1', Weight: 0, TTL: 60, ResourceRecords: [{ Value: 'eu-west-1.ENDPOINT.example.com' }] } },
          { Action: 'UPSERT', ResourceRecordSet: { Name: 'webapp.example.com', Type: 'CNAME', SetIdentifier: 'us-east-1', Weight: 255, TTL: 60, ResourceRecords: [{ Value: 'us-east-1.ENDPOINT.example.com' }] } },
        ],
      },
    });
  });

  it('takes the zone, name, type, TTL, values and comment it is given', () => {
    const input = route53Input(policy, drainEu, {
      hostedZoneId: 'Z123', name: 'app.example.org', type: 'A', ttl: 30, value: (r) => (r === 'us-east-1' ? '192.0.2.3' : '192.0.2.1'), comment: 'drain eu-west-1',
    });
    expect(input.HostedZoneId).toBe('Z123');
    expect(input.ChangeBatch.Comment).toBe('drain eu-west-1');
    expect(input.ChangeBatch.Changes[2]!.ResourceRecordSet).toEqual({
      Name: 'app.example.org', Type: 'A', SetIdentifier: 'us-east-1', Weight: 255, TTL: 30, ResourceRecords: [{ Value: '192.0.2.3' }],
    });
  });

  it('refuses all-zero weights, which Route 53 would answer by sending users everywhere', () => {
    expect(() => route53Input(policy, { 'eu-west-1': 0 })).toThrow(
      new UsageError('no region would serve users: refusing to build Route 53 weights that drain every region'),
    );
  });
});

describe('front doors for residency zones', () => {
  const { policy: zoned } = loadPolicy(readFileSync(new URL('../../examples/residency.yaml', import.meta.url), 'utf8'), 'residency.yaml');

  it('refuses weights that would drain every region of a zone, since its users may not go elsewhere', () => {
    const shares = { 'eu-west-1': 0, 'eu-central-1': 0, 'us-west-2': 0.5, 'us-east-1': 0.5 };
    const refusal = (door: string) => new UsageError(`no EU region would serve users: refusing to build ${door} weights that drain every region of EU (its users may not go elsewhere)`);
    expect(() => route53Input(zoned, shares)).toThrow(refusal('Route 53'));
    expect(() => globalAcceleratorInputs(zoned, shares)).toThrow(refusal('Global Accelerator'));
  });

  it('takes the record name of a zone from the caller', () => {
    const doc = route53Input(zoned, { 'eu-west-1': 0.12, 'eu-central-1': 0.3, 'us-west-2': 0.2, 'us-east-1': 0.38 }, { zoneName: (z) => `accounts-${z}.example.org` });
    expect([...new Set(doc.ChangeBatch.Changes.map((c) => c.ResourceRecordSet.Name))]).toEqual(['accounts-EU.example.org', 'accounts-US.example.org']);
  });
});
