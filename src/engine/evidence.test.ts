import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HOUR, MINUTE } from '../policy/duration.ts';
import { regionByName } from '../policy/model.ts';
import { BASE, T0, policyOf, run } from './fake-ports.test-helper.ts';
import { peakCoveredAt, peakWaits } from '../plan/peak-hour.ts';

const approvedByTeam = { 'ring-3': [{ by: 'bob', groups: ['release-team'], after: 10 * MINUTE }] };
const RING1 = '{ name: ring-1, regions: [ap-south-1], bake: 2h, gates: [error-rate], evidence: { coverPeak: false } }';
const ring1With = (evidence: string) => policyOf(BASE.replace(RING1, `{ name: ring-1, regions: [ap-south-1], bake: 2h, gates: [error-rate], evidence: ${evidence} }`));
const waits = (events: Array<{ type: string; ring?: string; detail?: string }>) => events.filter((e) => e.type === 'ring.waiting' && e.ring === 'ring-1').map((e) => e.detail);

describe('the local peak hour', () => {
  const policy = policyOf();
  const kolkata = regionByName(policy, 'ap-south-1');
  const london = regionByName(policy, 'eu-west-1');

  it('is covered when the bake has seen every minute of 14:00–15:00 local', () => {
    // 16:31 in Kolkata (UTC+5:30): today's peak has gone, tomorrow's ends at 15:00 IST = 09:30 UTC.
    expect(new Date(peakCoveredAt(kolkata, Date.parse('2026-03-02T11:01:00Z'))).toISOString()).toBe('2026-03-03T09:30:00.000Z');
    // 13:00 in Kolkata: today's peak is still to come.
    expect(new Date(peakCoveredAt(kolkata, Date.parse('2026-03-02T07:30:00Z'))).toISOString()).toBe('2026-03-02T09:30:00.000Z');
    // A bake that starts a minute into the peak hour sees its first minute the next day.
    expect(new Date(peakCoveredAt(kolkata, Date.parse('2026-03-02T08:31:00Z'))).toISOString()).toBe('2026-03-03T08:31:00.000Z');
    // Starting on the hour, the hour itself is enough.
    expect(new Date(peakCoveredAt(kolkata, Date.parse('2026-03-02T08:30:00Z'))).toISOString()).toBe('2026-03-02T09:30:00.000Z');
  });

  it('follows summer time: London peaks at 13:00 UTC in June', () => {
    expect(new Date(peakCoveredAt(london, Date.parse('2026-06-01T06:00:00Z'))).toISOString()).toBe('2026-06-01T14:00:00.000Z');
  });

  it('ignores internal regions, which take no user traffic', () => {
    const at = Date.parse('2026-03-02T11:01:00Z');
    expect(peakWaits(policy, policy.spec.rings[0]!, at, at + HOUR)).toEqual({ regions: [], until: at + HOUR });
    expect(peakWaits(policy, policy.spec.rings[1]!, at, at + HOUR)).toEqual({ regions: ['ap-south-1'], until: Date.parse('2026-03-03T09:30:00Z') });
  });
});

describe('evidence before a pass', () => {
  it('keeps the first production ring baking until its local peak hour was baked (coverPeak, on by default), saying so once', async () => {
    const policy = ring1With('{}');
    const { state } = await run(policy, { approvals: approvedByTeam });
    expect(state.phase).toBe('completed');
    const ring1 = state.rings[1]!;
    // Healthy at 11:01 UTC (16:31 in Kolkata); the 2 h bake is up at 13:01 UTC, the peak hour ends at 09:30 UTC the next day.
    expect(ring1.bakeUntil).toBe(ring1.healthyAt! + 2 * HOUR);
    expect(waits(state.events)).toEqual(['evidence: the local peak hour (14:00–15:00 Asia/Kolkata) not yet baked in ap-south-1, until 2026-03-03T09:30Z']);
    const passed = state.events.find((e) => e.type === 'ring.passed' && e.ring === 'ring-1')!;
    expect(passed.at).toBeGreaterThanOrEqual(Date.parse('2026-03-03T09:30:00Z'));
    expect(passed.at).toBeLessThan(Date.parse('2026-03-03T09:30:00Z') + 5 * MINUTE + 1);
    // The gates went on while it waited: it was evaluated past the end of its bake.
    expect(ring1.trackers['error-rate@ap-south-1']!.conclusive).toBeGreaterThan(24);
  });

  it('passes at the end of its bake when coverPeak is off', async () => {
    const { state } = await run(policyOf(), { approvals: approvedByTeam });
    const ring1 = state.rings[1]!;
    const passed = state.events.find((e) => e.type === 'ring.passed' && e.ring === 'ring-1')!;
    expect(passed.at).toBe(ring1.bakeUntil);
    expect(waits(state.events)).toEqual([]);
  });

  it('waits for minRequests served on the new version in each region, counted from the qps metric', async () => {
    const policy = ring1With('{ minRequests: 10000, coverPeak: false }');
    // ap-south-1 serves 1 request a second: 7,200 in the 2 h bake, 10,000 after 2 h 46 min 40 s.
    const { state } = await run(policy, { approvals: approvedByTeam, errorRate: (_region, _t, q) => (q.metric === 'qps' ? 1 : 0.001) });
    expect(state.phase).toBe('completed');
    const ring1 = state.rings[1]!;
    expect(waits(state.events)).toEqual(['evidence: 7,200 of 10,000 requests in ap-south-1']);
    const passed = state.events.find((e) => e.type === 'ring.passed' && e.ring === 'ring-1')!;
    expect(passed.at).toBe(ring1.healthyAt! + 2 * HOUR + 50 * MINUTE);
    expect(ring1.evidence).toBeNull();
  });

  it('never passes on requests it could not count: without qps data the ring waits and says why', async () => {
    const policy = ring1With('{ minRequests: 10000, coverPeak: false }');
    const { state } = await run(policy, { horizon: 12 * HOUR, errorRate: (_region, _t, q) => (q.metric === 'qps' ? null : 0.001) });
    expect(state.rings[1]!.status).toBe('baking');
    expect(state.phase).toBe('running');
    expect(waits(state.events)).toEqual(['evidence: requests in ap-south-1 could not be counted (no qps data in ap-south-1)']);
    expect(state.rings[1]!.evidence?.detail).toBe('evidence: requests in ap-south-1 could not be counted (no qps data in ap-south-1)');
    expect(state.rings[2]!.status).toBe('pending');
  });

  it('names every region and every kind of evidence that is short in one sentence', async () => {
    const policy = ring1With('{ minRequests: 10000 }');
    const { state } = await run(policy, { horizon: 4 * HOUR, errorRate: (_region, _t, q) => (q.metric === 'qps' ? 0.5 : 0.001) });
    expect(waits(state.events)).toEqual([
      'evidence: 3,600 of 10,000 requests in ap-south-1; the local peak hour (14:00–15:00 Asia/Kolkata) not yet baked in ap-south-1, until 2026-03-03T09:30Z',
    ]);
  });

  it('never passes the first production ring before its peak hour and its requests are in, whatever the start and the traffic (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 24 * 60 - 1 }),
        fc.integer({ min: 1, max: 6 }),
        fc.double({ min: 0.2, max: 3, noNaN: true }),
        async (startMinute, bakeHours, qps) => {
          const policy = policyOf(BASE.replace(RING1, `{ name: ring-1, regions: [ap-south-1], bake: ${bakeHours}h, gates: [error-rate], evidence: { minRequests: 20000 } }`));
          const start = T0 + startMinute * MINUTE;
          const { state } = await run(policy, { start, horizon: 3 * 86_400_000, errorRate: (_r, _t, q) => (q.metric === 'qps' ? qps : 0.001) });
          const ringState = state.rings[1]!;
          const passed = state.events.find((e) => e.type === 'ring.passed' && e.ring === 'ring-1');
          expect(passed).toBeDefined();
          const kolkata = regionByName(policy, 'ap-south-1');
          expect(passed!.at).toBeGreaterThanOrEqual(ringState.healthyAt! + bakeHours * HOUR);
          expect(passed!.at).toBeGreaterThanOrEqual(peakCoveredAt(kolkata, ringState.healthyAt!));
          expect((passed!.at - ringState.healthyAt!) / 1000 * qps).toBeGreaterThanOrEqual(20000 - 1);
        },
      ),
      { numRuns: 25 },
    );
  });
});
