import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../policy/load.ts';
import { at, policyOf, region } from './testing.ts';
import { planRelease } from './release-plan.ts';

const { policy: webapp } = loadPolicy(readFileSync(new URL('../../examples/webapp.yaml', import.meta.url), 'utf8'), 'webapp.yaml');

const KOLKATA = 'outside business hours in ap-south-1 (Asia/Kolkata, Mon-Fri 09:00-17:00)';
const LONDON = 'outside business hours in eu-west-1 (Europe/London, Mon-Fri 09:00-17:00)';
const NEW_YORK = 'outside business hours in us-east-1 (America/New_York, Mon-Fri 09:00-17:00)';
const APPROVAL = 'approval by group:release-team';

describe('planning the webapp release', () => {
  it('from Friday noon waits out the weekend in Kolkata, a London night and a New York evening after the US moved its clocks', () => {
    // ring-0 (internal) deploys at once: healthy 5m later, bakes 1h → Fri 13:05Z.
    // ring-1 (Kolkata, UTC+5:30): Fri 18:35 IST is closed → Mon 09:00 IST = 03:30Z; bakes 24h → Tue 03:35Z.
    // ring-2 (London, GMT): Tue 03:35Z is closed → 09:00Z; bakes 12h → 21:05Z.
    // ring-3 (New York, EDT since 8 March): 17:05 EDT is closed → Wed 09:00 EDT = 13:00Z; bakes 6h → 19:05Z.
    // Total: Fri 6 March 12:00Z to Wed 11 March 19:05Z = 127h05m.
    expect(planRelease(webapp, { start: at('2026-03-06T12:00:00Z') })).toEqual({
      ok: true,
      timeline: {
        start: at('2026-03-06T12:00:00Z'),
        rings: [
          {
            name: 'ring-0', regions: ['internal'], userShare: 0, cumulativeUserShare: 0,
            deployAt: at('2026-03-06T12:00:00Z'), healthyAt: at('2026-03-06T12:05:00Z'), bakeUntil: at('2026-03-06T13:05:00Z'),
            waits: [],
          },
          {
            name: 'ring-1', regions: ['ap-south-1'], userShare: 0.25, cumulativeUserShare: 0.25,
            deployAt: at('2026-03-09T03:30:00Z'), healthyAt: at('2026-03-09T03:35:00Z'), bakeUntil: at('2026-03-10T03:35:00Z'),
            waits: [{ reason: 'business-hours', until: at('2026-03-09T03:30:00Z'), detail: KOLKATA }],
          },
          {
            name: 'ring-2', regions: ['eu-west-1'], userShare: 0.3, cumulativeUserShare: 0.55,
            deployAt: at('2026-03-10T09:00:00Z'), healthyAt: at('2026-03-10T09:05:00Z'), bakeUntil: at('2026-03-10T21:05:00Z'),
            waits: [{ reason: 'business-hours', until: at('2026-03-10T09:00:00Z'), detail: LONDON }],
          },
          {
            name: 'ring-3', regions: ['us-east-1'], userShare: 0.45, cumulativeUserShare: 1,
            deployAt: at('2026-03-11T13:00:00Z'), healthyAt: at('2026-03-11T13:05:00Z'), bakeUntil: at('2026-03-11T19:05:00Z'),
            waits: [
              { reason: 'business-hours', until: at('2026-03-11T13:00:00Z'), detail: NEW_YORK },
              { reason: 'approval', until: at('2026-03-11T13:00:00Z'), detail: APPROVAL },
            ],
          },
        ],
        completeAt: at('2026-03-11T19:05:00Z'),
        totalHours: 127.08,
      },
    });
  });

  it('from a Monday morning runs without a window wait until London, and lists the approval as instant', () => {
    // ring-0 06:00-07:05Z; ring-1 07:05Z (12:35 IST) → 07:10Z next day; ring-2 waits for 09:00Z Tue → 21:05Z;
    // ring-3 at 21:05Z is 16:05 EST, open → healthy 21:10Z, bakes until Wed 03:10Z. 45h10m in all.
    const plan = planRelease(webapp, { start: at('2026-03-02T06:00:00Z') });
    if (!plan.ok) throw new Error('expected a plan');
    expect(plan.timeline.rings.map((r) => [r.name, r.deployAt, r.bakeUntil])).toEqual([
      ['ring-0', at('2026-03-02T06:00:00Z'), at('2026-03-02T07:05:00Z')],
      ['ring-1', at('2026-03-02T07:05:00Z'), at('2026-03-03T07:10:00Z')],
      ['ring-2', at('2026-03-03T09:00:00Z'), at('2026-03-03T21:05:00Z')],
      ['ring-3', at('2026-03-03T21:05:00Z'), at('2026-03-04T03:10:00Z')],
    ]);
    expect(plan.timeline.rings[3]!.waits).toEqual([{ reason: 'approval', until: at('2026-03-03T21:05:00Z'), detail: APPROVAL }]);
    expect(plan.timeline.completeAt).toBe(at('2026-03-04T03:10:00Z'));
    expect(plan.timeline.totalHours).toBe(45.17);
  });

  it('pushes ring-2 past the holiday freeze to the Monday after it', () => {
    // ring-1 bakes until Thu 24 Dec 09:10Z, inside the freeze (24-27 Dec); 27 Dec is a Sunday.
    const plan = planRelease(webapp, { start: at('2026-12-23T08:00:00Z') });
    if (!plan.ok) throw new Error('expected a plan');
    const [, ring1, ring2, ring3] = plan.timeline.rings;
    expect(ring1).toMatchObject({ deployAt: at('2026-12-23T09:05:00Z'), bakeUntil: at('2026-12-24T09:10:00Z'), waits: [] });
    expect(ring2).toMatchObject({
      deployAt: at('2026-12-28T09:00:00Z'),
      bakeUntil: at('2026-12-28T21:05:00Z'),
      waits: [
        { reason: 'freeze', until: at('2026-12-27T00:00:00Z'), detail: 'freeze "holidays" until 2026-12-27T00:00:00Z' },
        { reason: 'business-hours', until: at('2026-12-28T09:00:00Z'), detail: LONDON },
      ],
    });
    expect(ring3).toMatchObject({ deployAt: at('2026-12-28T21:05:00Z'), bakeUntil: at('2026-12-29T03:10:00Z') });
    expect(plan.timeline.totalHours).toBe(139.17);
  });
});

describe('planning any release', () => {
  it('shows the wait of a short first production bake for its local peak hour (evidence.coverPeak)', () => {
    // ring-1 healthy Mon 07:10Z = 12:40 IST; its 2 h bake ends at 14:40 IST, inside the peak hour;
    // 14:00–15:00 IST is covered at 15:00 IST = 09:30Z. ring-2 then waits for nothing more.
    const shortCanary = loadPolicy(readFileSync(new URL('../../examples/webapp.yaml', import.meta.url), 'utf8').replace('      bake: 24h\n', '      bake: 2h\n'), 'webapp.yaml').policy;
    const plan = planRelease(shortCanary, { start: at('2026-03-02T06:00:00Z') });
    if (!plan.ok) throw new Error('expected a plan');
    expect(plan.timeline.rings[1]).toMatchObject({
      healthyAt: at('2026-03-02T07:10:00Z'),
      bakeUntil: at('2026-03-02T09:30:00Z'),
      waits: [{ reason: 'evidence', until: at('2026-03-02T09:30:00Z'), detail: 'evidence: the local peak hour in ap-south-1' }],
    });
    // Off, the ring ends its bake on time; later rings never wait for it (on by default for the first production ring only).
    const off = loadPolicy(readFileSync(new URL('../../examples/webapp.yaml', import.meta.url), 'utf8').replace('      bake: 24h\n', '      bake: 2h\n      evidence: { coverPeak: false }\n'), 'webapp.yaml').policy;
    const plain = planRelease(off, { start: at('2026-03-02T06:00:00Z') });
    if (!plain.ok) throw new Error('expected a plan');
    expect(plain.timeline.rings[1]).toMatchObject({ bakeUntil: at('2026-03-02T09:10:00Z'), waits: [] });
    expect(plain.timeline.rings.flatMap((r) => r.waits).filter((w) => w.reason === 'evidence')).toEqual([]);
  });

  it('takes the deploy time from the policy', () => {
    const p = policyOf([region('eu-west-1', 'UTC', { userShare: 1 })], [{ name: 'ring-1', regions: ['eu-west-1'], bake: '2h', evidence: { coverPeak: false } }], { deploy: 'always' }, '30m');
    const plan = planRelease(p, { start: at('2026-03-07T00:00:00Z') });
    expect(plan).toEqual({
      ok: true,
      timeline: {
        start: at('2026-03-07T00:00:00Z'),
        rings: [{
          name: 'ring-1', regions: ['eu-west-1'], userShare: 1, cumulativeUserShare: 1,
          deployAt: at('2026-03-07T00:00:00Z'), healthyAt: at('2026-03-07T00:30:00Z'), bakeUntil: at('2026-03-07T02:30:00Z'), waits: [],
        }],
        completeAt: at('2026-03-07T02:30:00Z'),
        totalHours: 2.5,
      },
    });
  });

  it('rounds shares to 4 decimals and sums them exactly', () => {
    const p = policyOf(
      [region('a', 'UTC', { userShare: 0.1 }), region('b', 'UTC', { userShare: 0.2 }), region('c', 'UTC', { userShare: 0.33335 }), region('d', 'UTC', { userShare: 0.36665 })],
      [{ name: 'r1', regions: ['a'] }, { name: 'r2', regions: ['b'] }, { name: 'r3', regions: ['c', 'd'] }],
      { deploy: 'always' },
    );
    const plan = planRelease(p, { start: 0 });
    if (!plan.ok) throw new Error('expected a plan');
    expect(plan.timeline.rings.map((r) => [r.userShare, r.cumulativeUserShare])).toEqual([[0.1, 0.1], [0.2, 0.3], [0.7, 1]]);
  });

  it('reports every ring whose regions are never open together, at the ring\'s regions, and plans nothing', () => {
    const oneHour = { days: 'Mon-Fri', start: '09:00', end: '10:00' };
    const p = policyOf(
      [
        region('internal', 'UTC', { internal: true }),
        region('ap-south-1', 'Asia/Kolkata', { userShare: 0.2, businessHours: oneHour }),
        region('us-west-2', 'America/Los_Angeles', { userShare: 0.2, businessHours: oneHour }),
        region('eu-west-1', 'Europe/London', { userShare: 0.3 }),
        region('ap-southeast-2', 'Australia/Sydney', { userShare: 0.3, businessHours: oneHour }),
      ],
      [
        { name: 'ring-1', regions: ['internal'] },
        { name: 'ring-2', regions: ['ap-south-1', 'us-west-2'] },
        { name: 'ring-3', regions: ['eu-west-1', 'ap-southeast-2'] },
      ],
    );
    expect(planRelease(p, { start: at('2026-03-02T00:00:00Z') })).toEqual({
      ok: false,
      problems: [
        {
          path: ['spec', 'rings', 1, 'regions'],
          message: 'ring "ring-2": business hours of ap-south-1 (Asia/Kolkata, Mon-Fri 09:00-10:00) and us-west-2 (America/Los_Angeles, Mon-Fri 09:00-10:00) never overlap',
        },
        {
          path: ['spec', 'rings', 2, 'regions'],
          message: 'ring "ring-3": business hours of eu-west-1 (Europe/London, Mon-Fri 09:00-17:00) and ap-southeast-2 (Australia/Sydney, Mon-Fri 09:00-10:00) never overlap',
        },
      ],
    });
  });
});
