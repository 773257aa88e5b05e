import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { at, policyOf, region } from './testing.ts';
import { isDeployAllowed, nextDeployMoment } from './deploy-moment.ts';

const LONDON = 'outside business hours in eu-west-1 (Europe/London, Mon-Fri 09:00-17:00)';
const NEW_YORK = 'outside business hours in us-east-1 (America/New_York, Mon-Fri 09:00-17:00)';

const regions = [
  region('internal', 'UTC', { internal: true }),
  region('eu-west-1', 'Europe/London', { userShare: 0.5 }),
  region('us-east-1', 'America/New_York', { userShare: 0.5 }),
];
const rings = [
  { name: 'ring-0', regions: ['internal'] },
  { name: 'ring-1', regions: ['eu-west-1'] },
  { name: 'ring-2', regions: ['us-east-1'] },
];
const holidays = { from: '2026-12-24T00:00:00Z', to: '2026-12-27T00:00:00Z', reason: 'holidays' };

const businessHours = policyOf(regions, rings, { deploy: 'business-hours', freeze: [holidays] });
const always = policyOf(regions, rings, { deploy: 'always', freeze: [holidays] });
const together = policyOf(regions, [{ name: 'ring-0', regions: ['internal'] }, { name: 'ring-1', regions: ['eu-west-1', 'us-east-1'] }]);
const ring = (p: typeof businessHours, i: number) => p.spec.rings[i]!;

describe('the next deploy moment under business hours', () => {
  it('is the moment itself when every region of the ring is open and nothing is frozen', () => {
    expect(nextDeployMoment(businessHours, ring(businessHours, 1), at('2026-03-02T10:00:00Z'))).toEqual({ at: at('2026-03-02T10:00:00Z'), waits: [] });
  });

  it('waits over the weekend for Monday 09:00 local, and says where it is closed', () => {
    expect(nextDeployMoment(businessHours, ring(businessHours, 1), at('2026-03-06T17:30:00Z'))).toEqual({
      at: at('2026-03-09T09:00:00Z'),
      waits: [{ reason: 'business-hours', until: at('2026-03-09T09:00:00Z'), detail: LONDON }],
    });
  });

  it('deploys at 09:00 local on each side of the Atlantic in the weeks the US and UK clocks disagree', () => {
    const friday = at('2026-03-13T22:00:00Z'); // after the US change (8 March), before the UK one (29 March)
    expect(nextDeployMoment(businessHours, ring(businessHours, 1), friday)).toMatchObject({ at: at('2026-03-16T09:00:00Z') });
    expect(nextDeployMoment(businessHours, ring(businessHours, 2), friday)).toMatchObject({ at: at('2026-03-16T13:00:00Z') });
    const later = at('2026-03-27T22:00:00Z'); // the UK changes on 29 March
    expect(nextDeployMoment(businessHours, ring(businessHours, 1), later)).toMatchObject({ at: at('2026-03-30T08:00:00Z') });
    expect(nextDeployMoment(businessHours, ring(businessHours, 2), later)).toMatchObject({ at: at('2026-03-30T13:00:00Z') });
  });

  it('waits for every region of a ring to be open at once, naming the one still closed', () => {
    expect(nextDeployMoment(together, ring(together, 1), at('2026-03-02T10:00:00Z'))).toEqual({
      at: at('2026-03-02T14:00:00Z'),
      waits: [{ reason: 'business-hours', until: at('2026-03-02T14:00:00Z'), detail: NEW_YORK }],
    });
  });

  it('names every closed region when none is open', () => {
    expect(nextDeployMoment(together, ring(together, 1), at('2026-03-07T12:00:00Z'))).toEqual({
      at: at('2026-03-09T13:00:00Z'),
      waits: [{ reason: 'business-hours', until: at('2026-03-09T13:00:00Z'), detail: `${LONDON.replace(')', ') and us-east-1 (America/New_York, Mon-Fri 09:00-17:00)')}` }],
    });
  });

  it('ignores business hours for a ring of internal regions', () => {
    expect(nextDeployMoment(businessHours, ring(businessHours, 0), at('2026-03-07T03:00:00Z'))).toEqual({ at: at('2026-03-07T03:00:00Z'), waits: [] });
  });
});

describe('freezes', () => {
  it('push a ring to the end of the freeze, then to the next business hours', () => {
    expect(nextDeployMoment(businessHours, ring(businessHours, 1), at('2026-12-24T10:00:00Z'))).toEqual({
      at: at('2026-12-28T09:00:00Z'),
      waits: [
        { reason: 'freeze', until: at('2026-12-27T00:00:00Z'), detail: 'freeze "holidays" until 2026-12-27T00:00:00Z' },
        { reason: 'business-hours', until: at('2026-12-28T09:00:00Z'), detail: LONDON },
      ],
    });
  });

  it('are listed after the business-hours wait that runs into them', () => {
    expect(nextDeployMoment(businessHours, ring(businessHours, 1), at('2026-12-23T18:00:00Z'))).toEqual({
      at: at('2026-12-28T09:00:00Z'),
      waits: [
        { reason: 'business-hours', until: at('2026-12-24T09:00:00Z'), detail: LONDON },
        { reason: 'freeze', until: at('2026-12-27T00:00:00Z'), detail: 'freeze "holidays" until 2026-12-27T00:00:00Z' },
        { reason: 'business-hours', until: at('2026-12-28T09:00:00Z'), detail: LONDON },
      ],
    });
  });

  it('hold from their start and end at their end: [from, to)', () => {
    const p = policyOf(regions, rings, { deploy: 'always', freeze: [{ from: '2026-03-04T10:00:00Z', to: '2026-03-04T12:00:00Z', reason: 'db migration' }] });
    expect(isDeployAllowed(p, ring(p, 1), at('2026-03-04T09:59:59Z'))).toEqual({ allowed: true });
    expect(isDeployAllowed(p, ring(p, 1), at('2026-03-04T10:00:00Z'))).toEqual({
      allowed: false,
      wait: { reason: 'freeze', until: at('2026-03-04T12:00:00Z'), detail: 'freeze "db migration" until 2026-03-04T12:00:00Z' },
    });
    expect(isDeployAllowed(p, ring(p, 1), at('2026-03-04T12:00:00Z'))).toEqual({ allowed: true });
  });

  it('that overlap are waited out one after the other', () => {
    const p = policyOf(regions, rings, {
      deploy: 'always',
      freeze: [
        { from: '2026-03-04T10:00:00Z', to: '2026-03-04T12:00:00Z', reason: 'first' },
        { from: '2026-03-04T11:00:00Z', to: '2026-03-04T15:00:00Z', reason: 'second' },
      ],
    });
    expect(nextDeployMoment(p, ring(p, 1), at('2026-03-04T10:30:00Z'))).toEqual({
      at: at('2026-03-04T15:00:00Z'),
      waits: [
        { reason: 'freeze', until: at('2026-03-04T12:00:00Z'), detail: 'freeze "first" until 2026-03-04T12:00:00Z' },
        { reason: 'freeze', until: at('2026-03-04T15:00:00Z'), detail: 'freeze "second" until 2026-03-04T15:00:00Z' },
      ],
    });
  });

  it('are the only window under deploy: always, which allows a Saturday night', () => {
    expect(nextDeployMoment(always, ring(always, 1), at('2026-03-07T23:00:00Z'))).toEqual({ at: at('2026-03-07T23:00:00Z'), waits: [] });
    expect(nextDeployMoment(always, ring(always, 1), at('2026-12-25T23:00:00Z'))).toEqual({
      at: at('2026-12-27T00:00:00Z'),
      waits: [{ reason: 'freeze', until: at('2026-12-27T00:00:00Z'), detail: 'freeze "holidays" until 2026-12-27T00:00:00Z' }],
    });
  });
});

describe('a ring whose regions are never open together', () => {
  const oneHour = { days: 'Mon-Fri', start: '09:00', end: '10:00' };
  const p = policyOf(
    [
      region('internal', 'UTC', { internal: true }),
      region('ap-south-1', 'Asia/Kolkata', { userShare: 0.5, businessHours: oneHour }),
      region('us-west-2', 'America/Los_Angeles', { userShare: 0.5, businessHours: oneHour }),
    ],
    [{ name: 'ring-1', regions: ['internal'] }, { name: 'ring-2', regions: ['ap-south-1', 'us-west-2'] }],
  );
  const message =
    'ring "ring-2": business hours of ap-south-1 (Asia/Kolkata, Mon-Fri 09:00-10:00) and us-west-2 (America/Los_Angeles, Mon-Fri 09:00-10:00) never overlap';

  it('is reported as never, naming the ring and the regions, without hanging', () => {
    expect(nextDeployMoment(p, ring(p, 1), at('2026-03-02T00:00:00Z'))).toEqual({ never: message });
  });

  it('is never allowed, with a wait that has no end', () => {
    expect(isDeployAllowed(p, ring(p, 1), at('2026-03-02T04:00:00Z'))).toEqual({
      allowed: false,
      wait: { reason: 'business-hours', until: Number.POSITIVE_INFINITY, detail: message },
    });
  });

  it('names the pair that never meets when a third region overlaps each of them', () => {
    const q = policyOf(
      [
        region('ap-south-1', 'Asia/Kolkata', { userShare: 0.3, businessHours: oneHour }),
        region('eu-west-1', 'UTC', { userShare: 0.4, businessHours: { days: 'Mon-Sun', start: '00:00', end: '24:00' } }),
        region('us-west-2', 'America/Los_Angeles', { userShare: 0.3, businessHours: oneHour }),
      ],
      [{ name: 'ring-1', regions: ['ap-south-1', 'eu-west-1', 'us-west-2'] }],
    );
    expect(nextDeployMoment(q, ring(q, 0), at('2026-03-02T00:00:00Z'))).toEqual({
      never: 'ring "ring-1": business hours of ap-south-1 (Asia/Kolkata, Mon-Fri 09:00-10:00) and us-west-2 (America/Los_Angeles, Mon-Fri 09:00-10:00) never overlap',
    });
  });
});

describe('isDeployAllowed', () => {
  it('allows a ring inside business hours', () => {
    expect(isDeployAllowed(businessHours, ring(businessHours, 2), at('2026-03-02T15:00:00Z'))).toEqual({ allowed: true });
  });

  it('says until when business hours keep a ring waiting', () => {
    expect(isDeployAllowed(businessHours, ring(businessHours, 2), at('2026-03-02T22:00:00Z'))).toEqual({
      allowed: false,
      wait: { reason: 'business-hours', until: at('2026-03-03T14:00:00Z'), detail: NEW_YORK },
    });
  });
});

describe('the search for a deploy moment, for any schedule and start', () => {
  const zones = ['UTC', 'Europe/London', 'America/New_York', 'America/Los_Angeles', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Chatham', 'America/Sao_Paulo'];
  const dayNames = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
  const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
  const schedule = fc
    .record({
      zone: fc.constantFrom(...zones),
      days: fc.subarray(dayNames, { minLength: 1 }),
      start: fc.integer({ min: 0, max: 47 }).map((h) => h * 30),
      length: fc.integer({ min: 1, max: 16 }).map((h) => h * 30),
    })
    .map((s) => ({ ...s, end: Math.min(s.start + s.length, 1440) }));

  it('always returns, with the earliest allowed moment or a never', () => {
    fc.assert(
      fc.property(
        fc.array(schedule, { minLength: 1, maxLength: 3 }),
        fc.integer({ min: at('2026-01-01T00:00:00Z'), max: at('2028-01-01T00:00:00Z') }),
        (schedules, from) => {
          const p = policyOf(
            schedules.map((s, i) => region(`r${i}`, s.zone, { userShare: 1 / schedules.length, businessHours: { days: s.days, start: hhmm(s.start), end: hhmm(s.end) } })),
            [{ name: 'ring', regions: schedules.map((_, i) => `r${i}`) }],
            { deploy: 'business-hours', freeze: [{ from: new Date(from + 3_600_000).toISOString(), to: new Date(from + 90_000_000).toISOString(), reason: 'f' }] },
          );
          const r = ring(p, 0);
          const result = nextDeployMoment(p, r, from);
          if ('never' in result) return;
          expect(result.at).toBeGreaterThanOrEqual(from);
          expect(isDeployAllowed(p, r, result.at)).toEqual({ allowed: true });
          if (result.at > from) expect(isDeployAllowed(p, r, result.at - 1)).toMatchObject({ allowed: false });
          for (const w of result.waits) expect(w.until).toBeLessThanOrEqual(result.at);
        },
      ),
      { numRuns: 100, seed: 20260302 },
    );
  });
});
