import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BASE, T0, policyOf, run } from './fake-ports.test-helper.ts';
import type { ReleaseState } from './types.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const approvedByTeam = { 'ring-3': [{ by: 'bob', groups: ['release-team'], after: 10 * MINUTE }] };
const at = (state: ReleaseState, type: string, ring: string): number => state.events.find((e) => e.type === type && e.ring === ring)!.at;

describe('a ring that passed stays watched', () => {
  it('fails when its gate fails after promotion, and rolls back itself and the deployed ring downstream, downstream first', async () => {
    // ring-1 (ap-south-1) passes at 3h02; its error rate rises at 3h30, while ring-2 bakes.
    const late = (region: string, t: number) => (region === 'ap-south-1' && t > T0 + 3 * HOUR + 30 * MINUTE ? 0.2 : 0.001);
    const { state, world, types } = await run(policyOf(), { errorRate: late });
    expect(at(state, 'ring.passed', 'ring-1')).toBe(T0 + 3 * HOUR + 2 * MINUTE);
    expect(state.phase).toBe('rolled-back');
    const failed = state.events.find((e) => e.type === 'ring.failed')!;
    expect(failed.ring).toBe('ring-1');
    expect(failed.detail).toMatch(/^error-rate: error_rate 0\.2\d* > max 0\.01; failed after promotion, 3\dm after it passed; downstream rings will not be deployed$/);
    expect(world.log.filter((l) => l.startsWith('rollback'))).toEqual(['rollback ring-2 to v1', 'rollback ring-1 to v1']);
    expect(types).not.toContain('ring.deploy.started ring-3');
    expect(state.rings.map((r) => r.status)).toEqual(['passed', 'rolled-back', 'rolled-back', 'pending']);
  });

  it('stays watched for spec.watch.afterComplete after the last ring passed, and a failure then still rolls back', async () => {
    const watching = policyOf(`${BASE}  watch: { afterComplete: 6h }\n`);
    const quiet = await run(watching, { approvals: approvedByTeam });
    const lastPass = at(quiet.state, 'ring.passed', 'ring-3');
    expect(quiet.types.slice(-2)).toEqual(['release.watching', 'release.completed']);
    expect(quiet.state.events.find((e) => e.type === 'release.watching')!.detail).toBe('v2 runs in every region; every ring stays watched by its gates for 6h, until 2026-03-02T21:13Z');
    expect(quiet.state.completedAt).toBe(lastPass + 6 * HOUR);

    const broken = await run(watching, { approvals: approvedByTeam, errorRate: (region, t) => (region === 'us-east-1' && t > lastPass + 2 * HOUR ? 0.2 : 0.001) });
    expect(broken.state.phase).toBe('rolled-back');
    expect(broken.state.events.find((e) => e.type === 'ring.failed')).toMatchObject({ ring: 'ring-3' });
    expect(broken.types).not.toContain('release.completed');
    expect(broken.world.log.filter((l) => l.startsWith('rollback'))).toEqual(['rollback ring-3 to v1']);
  });

  it('is not watched after the release completes when afterComplete is 0 (the default)', async () => {
    const { state } = await run(policyOf(), { approvals: approvedByTeam, errorRate: (region, t) => (region === 'ap-south-1' && t > T0 + 7 * HOUR ? 0.2 : 0.001) });
    expect(state.phase).toBe('completed');
    expect(state.completedAt).toBeLessThan(T0 + 7 * HOUR);
  });
});

describe('observed bake', () => {
  it('does not count halted time or time without data: a resumed ring bakes out what it missed', async () => {
    // ring-1 is healthy at 1h02 and bakes 2h; no data in ap-south-1 for 20 minutes from 1h30 halts the release.
    const gap = (region: string, t: number) => (region === 'ap-south-1' && t > T0 + HOUR + 30 * MINUTE && t <= T0 + HOUR + 50 * MINUTE ? null : 0.001);
    const resumeAt = T0 + 5 * HOUR;
    const { state } = await run(policyOf(), { errorRate: gap, approvals: approvedByTeam, inject: [{ type: 'resume', at: resumeAt, by: 'alice' }] });
    const haltAt = state.events.find((e) => e.type === 'release.halted')!.at;
    expect(haltAt).toBe(T0 + HOUR + 42 * MINUTE);
    const ring1 = state.rings[1]!;
    // Three intervals without data (15 minutes) and the halt itself are baked again.
    expect(ring1.bakeUntil).toBe(ring1.healthyAt! + 2 * HOUR + 15 * MINUTE + (resumeAt - haltAt));
    expect(at(state, 'ring.passed', 'ring-1')).toBe(ring1.bakeUntil);
    expect(state.phase).toBe('completed');
  });

  it('never promotes a ring before it observed its whole bake, whatever the gaps and halts (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ start: fc.integer({ min: 0, max: 180 }), minutes: fc.integer({ min: 1, max: 40 }) }), { maxLength: 3 }),
        fc.array(fc.integer({ min: 60, max: 600 }), { maxLength: 3 }),
        async (gaps, resumes) => {
          const dark = (region: string, t: number) => {
            const m = (t - T0 - HOUR) / MINUTE;
            return region === 'ap-south-1' && gaps.some((g) => m > g.start && m <= g.start + g.minutes) ? null : 0.001;
          };
          const inject = resumes.map((r) => ({ type: 'resume' as const, at: T0 + r * MINUTE, by: 'alice' }));
          const { state } = await run(policyOf(), { errorRate: dark, approvals: approvedByTeam, inject, horizon: 2 * 86_400_000 });
          const ringState = state.rings[1]!;
          if (ringState.verdict !== 'passed') return;
          const passedAt = at(state, 'ring.passed', 'ring-1');
          let halted = 0;
          let since: number | null = null;
          for (const e of state.events) {
            if (e.at < ringState.healthyAt! || e.at > passedAt) continue;
            if (e.type === 'release.halted') since = e.at;
            if (e.type === 'release.resumed' && since !== null) { halted += e.at - since; since = null; }
          }
          expect(passedAt - ringState.healthyAt! - halted).toBeGreaterThanOrEqual(2 * HOUR);
          // Every interval of the bake without data was baked again, too.
          expect(passedAt - ringState.healthyAt! - halted).toBeGreaterThanOrEqual(2 * HOUR + (ringState.unobserved ?? 0) - halted);
        },
      ),
      { numRuns: 40 },
    );
  });
});
