import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DAY, HOUR, MINUTE } from '../policy/duration.ts';
import { loadPolicy } from '../policy/load.ts';
import { SimulatedClock } from '../runtime/simulated-clock.ts';
import { createFleet, type Fleet } from './fleet.ts';
import { loadScenario } from './scenario.ts';
import { ringTarget } from './testing.ts';

const { policy } = loadPolicy(readFileSync(new URL('../../examples/webapp.yaml', import.meta.url), 'utf8'), 'webapp.yaml');
const START = Date.parse('2026-03-02T03:30:00Z');
const at = (iso: string): number => Date.parse(`2026-03-02T${iso}:00Z`);
const flat = (w: number): string => `[${Array.from({ length: 24 }, () => w).join(', ')}]`;

function setup(extra: string): { fleet: Fleet; clock: SimulatedClock; deploy(ring: string): Promise<void>; rollback(ring: string): Promise<void> } {
  const text = `apiVersion: meridian.dev/v1alpha1
kind: Scenario
metadata: { name: test }
spec:
  start: "2026-03-02T03:30:00Z"
  release: { version: v2.1.0, previous: v2.0.0 }
${extra}`;
  const { scenario } = loadScenario(text, 'test.yaml', policy);
  const clock = new SimulatedClock(START);
  const fleet = createFleet(policy, scenario, clock);
  const target = (ring: string) => ringTarget(policy, ring, { version: 'v2.1.0', previousVersion: 'v2.0.0' });
  return {
    fleet,
    clock,
    deploy: async (ring) => void (await fleet.deploy(target(ring))),
    rollback: async (ring) => void (await fleet.rollback(target(ring))),
  };
}

const ringTwoFails = `  faults: [{ kind: error-rate, regions: [eu-west-1], value: 0.05, after: 30m }]
  traffic: { eu-west-1: ${flat(1)} }
`;

describe('fault onset and user exposure', () => {
  it('count userShare × weight for every minute the faulty version serves users: 60 minutes × 0.3 = 18', async () => {
    const { fleet, deploy } = setup(ringTwoFails);
    await deploy('ring-2');
    expect(fleet.accounting(at('04:05'))).toEqual({ faultOnset: null, userMinutes: 0 });
    const { faultOnset, userMinutes } = fleet.accounting(at('05:05'));
    expect(faultOnset).toBe(at('04:05'));
    expect(userMinutes).toBeCloseTo(18, 10);
  });

  it('stop counting when a rollback lands', async () => {
    const { fleet, clock, deploy, rollback } = setup(ringTwoFails);
    await deploy('ring-2');
    clock.set(at('04:30'));
    await rollback('ring-2');
    expect(fleet.accounting(at('12:00')).userMinutes).toBeCloseTo(30 * 0.3, 10);
  });

  it('leave out minutes in which the region is drained', async () => {
    const { fleet, clock, deploy } = setup(ringTwoFails);
    await deploy('ring-2');
    clock.set(at('04:25'));
    await fleet.setWeights({ 'eu-west-1': 0 });
    clock.set(at('04:45'));
    await fleet.setWeights({ 'eu-west-1': 1 });
    expect(fleet.accounting(at('05:05')).userMinutes).toBeCloseTo(40 * 0.3, 10);
    expect(fleet.accounting(at('05:05')).faultOnset).toBe(at('04:05'));
  });

  it('leave out minutes of an outage: the region serves nothing then', async () => {
    const { fleet, deploy } = setup(`  faults:
    - { kind: error-rate, value: 0.05 }
    - { kind: outage, region: eu-west-1, at: "2026-03-02T04:00:00Z", duration: 30m }
  traffic: { eu-west-1: ${flat(1)} }
`);
    await deploy('ring-2');
    expect(fleet.accounting(at('05:35')).userMinutes).toBeCloseTo(90 * 0.3, 10);
  });

  it('count a daily spike only during the spike: 15 minutes × 0.45 × weight 2 = 13.5', async () => {
    const { fleet, deploy } = setup(`  faults: [{ kind: daily-spike, at: "00:00", duration: 15m, errorRate: 0.15 }]
  traffic: { us-east-1: ${flat(2)} }
`);
    await deploy('ring-3');
    const { faultOnset, userMinutes } = fleet.accounting(START + DAY);
    expect(faultOnset).toBe(Date.parse('2026-03-03T00:00:00Z'));
    expect(userMinutes).toBeCloseTo(13.5, 10);
  });

  it('integrate the default curve to userShare × 1440 over one local day', async () => {
    const { fleet, deploy } = setup('  faults: [{ kind: error-rate, regions: [eu-west-1], value: 0.05 }]\n');
    await deploy('ring-2');
    expect(fleet.accounting(at('03:35') + DAY).userMinutes).toBeCloseTo(0.3 * 1440, 8);
  });

  it('take the onset from any region, internal ones too, but count no users there', async () => {
    const { fleet, clock, deploy } = setup('  faults: [{ kind: error-rate, value: 0.05, after: 10m }]\n');
    await deploy('ring-0');
    clock.set(at('04:30'));
    expect(fleet.accounting(at('04:30'))).toEqual({ faultOnset: at('03:45'), userMinutes: 0 });
    await deploy('ring-1');
    const later = fleet.accounting(at('05:00'));
    expect(later.faultOnset).toBe(at('03:45'));
    expect(later.userMinutes).toBeGreaterThan(0);
  });

  it('start a leak from its first minute of uptime, when memory first differs', async () => {
    const { fleet, deploy } = setup('  faults: [{ kind: leak, memoryPerHour: 0.02 }]\n');
    await deploy('ring-2');
    expect(fleet.accounting(at('04:00')).faultOnset).toBe(at('03:36'));
  });

  it('find nothing for a release without faults', async () => {
    const { fleet, deploy } = setup('');
    for (const ring of ['ring-0', 'ring-1', 'ring-2', 'ring-3']) await deploy(ring);
    expect(fleet.accounting(START + 14 * DAY)).toEqual({ faultOnset: null, userMinutes: 0 });
  });

  it('account 14 days of four regions on the faulty version in well under 50 ms', async () => {
    const { fleet, deploy } = setup(`  faults:
    - { kind: error-rate, regions: [eu-west-1], value: 0.05, after: 30m }
    - { kind: latency, factor: 1.2, after: 2h }
    - { kind: daily-spike, at: "00:00", timezone: America/New_York, duration: 15m, errorRate: 0.15 }
    - { kind: leak, memoryPerHour: 0.001 }
    - { kind: outage, region: us-east-1, at: +30h, duration: 2h }
  traffic: { ap-south-1: ${flat(1)}, eu-west-1: ${flat(1)}, us-east-1: ${flat(1)} }
`);
    for (const ring of ['ring-0', 'ring-1', 'ring-2', 'ring-3']) await deploy(ring);
    const until = START + 14 * DAY;
    const result = fleet.accounting(until);
    // The leak makes every minute but the first of uptime faulty: 14 days less 5 minutes of deploy
    // and that first minute, in all three regions (shares sum to 1), less us-east-1's 2h outage.
    const minutes = 14 * 1440 - 5 - 1;
    expect(result.faultOnset).toBe(at('03:36'));
    expect(result.userMinutes).toBeCloseTo(minutes - 0.45 * 120, 6);
  });
});

describe('the stretch-wise accounting', () => {
  it.each([
    ['with a leak (every minute of uptime faulty)', '    - { kind: leak, memoryPerHour: 0.0013 }\n'],
    ['without a leak (thresholds and spikes decide)', ''],
  ])('gives what a minute-by-minute walk gives, across a daylight-saving change, drains, rollbacks and outages, %s', async (_, leak) => {
    const { FleetModel, emptyBehaviour } = await import('./model.ts');
    const { VersionTimeline, StepTimeline } = await import('./region-history.ts');
    const { account } = await import('./accounting.ts');
    const text = `apiVersion: meridian.dev/v1alpha1
kind: Scenario
metadata: { name: mixed }
spec:
  start: "2026-03-02T03:30:00Z"
  release: { version: v2.1.0, previous: v2.0.0 }
  faults:
    - { kind: error-rate, regions: [eu-west-1], value: 0.05, after: 30m }
    - { kind: latency, regions: [ap-south-1], factor: 1.3, after: 7h13m }
    - { kind: daily-spike, at: "01:30", timezone: America/New_York, duration: 50m, errorRate: 0.15 }
    - { kind: daily-spike, at: "23:50", timezone: Asia/Kolkata, duration: 25m, errorRate: 0.2 }
${leak}    - { kind: outage, region: us-east-1, at: +30h, duration: 2h }
    - { kind: outage, region: us-east-1, at: +31h, duration: 2h }
  traffic: { eu-west-1: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24] }
`;
    const { scenario } = loadScenario(text, 'mixed.yaml', policy);
    const model = new FleetModel(policy, scenario, 1);
    const versions = new VersionTimeline(model.regions.length, 'v2.0.0');
    const lb = new StepTimeline(model.regions.map((r) => (r.internal ? 0 : 1)));
    const [internal, ap, eu, us] = [0, 1, 2, 3];
    versions.switchTo(internal, 'v2.1.0', START + 5 * MINUTE + 17_000);
    versions.switchTo(ap, 'v2.1.0', START + 2 * HOUR);
    versions.switchTo(eu, 'v2.1.0', START + DAY);
    versions.switchTo(eu, 'v2.0.0', START + DAY + 3 * HOUR + 20_000);
    versions.switchTo(eu, 'v2.1.0', START + 3 * DAY);
    versions.switchTo(us, 'v2.1.0', START + 26 * HOUR);
    lb.set(eu, START + 3 * DAY + 4 * HOUR + 1, 0);
    lb.set(eu, START + 3 * DAY + 9 * HOUR, 1.5);
    const until = START + 14 * DAY + 123_456;

    const b = emptyBehaviour();
    let onset = Infinity;
    let userMinutes = 0;
    for (const region of model.regions) {
      for (let t = Math.ceil(START / MINUTE) * MINUTE; t + MINUTE <= until; t += MINUTE) {
        const run = versions.runAt(region.index, t);
        if (run.version !== 'v2.1.0' || model.inOutage(region.index, t)) continue;
        if (!model.behave(region.index, t, run.from, b).faulty) continue;
        onset = Math.min(onset, t);
        if (!region.internal && lb.valueAt(region.index, t) > 0) userMinutes += region.userShare * model.weight(region.index, t);
      }
    }
    const fast = account(model, versions, lb, START, until);
    expect(fast.faultOnset).toBe(onset);
    expect(fast.userMinutes).toBeCloseTo(userMinutes, 8);
    expect(userMinutes).toBeGreaterThan(1000);
  });
});
