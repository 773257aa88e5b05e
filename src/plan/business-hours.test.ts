import { describe, expect, it } from 'vitest';
import {
  commonBusinessSpans,
  describeBusinessHours,
  formatDays,
  isInBusinessHours,
  nextBusinessMoment,
  nextCommonBusinessMoment,
} from './business-hours.ts';
import { at, regionOf } from './testing.ts';

const london = regionOf('eu-west-1', 'Europe/London');
const newYork = regionOf('us-east-1', 'America/New_York');
const kolkata = regionOf('ap-south-1', 'Asia/Kolkata');
const internal = regionOf('internal', 'UTC', { internal: true });

describe('business hours of one region', () => {
  it('are 09:00 to 17:00 local on weekdays, the end excluded', () => {
    expect(isInBusinessHours(london, at('2026-03-02T08:59:59Z'))).toBe(false);
    expect(isInBusinessHours(london, at('2026-03-02T09:00:00Z'))).toBe(true);
    expect(isInBusinessHours(london, at('2026-03-02T16:59:59Z'))).toBe(true);
    expect(isInBusinessHours(london, at('2026-03-02T17:00:00Z'))).toBe(false);
  });

  it('follow summer time: London opens at 08:00Z in July', () => {
    expect(isInBusinessHours(london, at('2026-07-06T07:59:00Z'))).toBe(false);
    expect(isInBusinessHours(london, at('2026-07-06T08:00:00Z'))).toBe(true);
  });

  it('are read in the local day: Kolkata is open at 03:30Z on Monday, which is 09:00 IST', () => {
    expect(isInBusinessHours(kolkata, at('2026-03-02T03:29:00Z'))).toBe(false);
    expect(isInBusinessHours(kolkata, at('2026-03-02T03:30:00Z'))).toBe(true);
    expect(isInBusinessHours(kolkata, at('2026-03-02T11:30:00Z'))).toBe(false);
  });

  it('are closed on weekends', () => {
    expect(isInBusinessHours(london, at('2026-03-07T12:00:00Z'))).toBe(false);
    expect(isInBusinessHours(london, at('2026-03-08T12:00:00Z'))).toBe(false);
  });

  it('do not apply to an internal region, which is always open', () => {
    expect(isInBusinessHours(internal, at('2026-03-07T03:00:00Z'))).toBe(true);
    expect(nextBusinessMoment(internal, at('2026-03-07T03:00:00Z'))).toBe(at('2026-03-07T03:00:00Z'));
  });

  it('honour a custom list of days', () => {
    const weekend = regionOf('x', 'UTC', { businessHours: { days: ['Sat', 'Sun'], start: '10:00', end: '12:00' } });
    expect(nextBusinessMoment(weekend, at('2026-03-02T00:00:00Z'))).toBe(at('2026-03-07T10:00:00Z'));
  });
});

describe('the next business moment', () => {
  it('is the moment itself when the region is open', () => {
    expect(nextBusinessMoment(london, at('2026-03-02T10:15:00Z'))).toBe(at('2026-03-02T10:15:00Z'));
  });

  it('skips the weekend to Monday 09:00', () => {
    expect(nextBusinessMoment(london, at('2026-03-06T17:00:00Z'))).toBe(at('2026-03-09T09:00:00Z'));
  });

  it('in New York after the US spring-forward (8 March 2026) is 09:00 EDT, 13:00Z, not 14:00Z', () => {
    expect(nextBusinessMoment(newYork, at('2026-03-06T22:00:00Z'))).toBe(at('2026-03-09T13:00:00Z'));
  });

  it('in London after the UK spring-forward (29 March 2026) is 09:00 BST, 08:00Z', () => {
    expect(nextBusinessMoment(london, at('2026-03-27T17:30:00Z'))).toBe(at('2026-03-30T08:00:00Z'));
  });

  it('in London after the UK fall-back (25 October 2026) is 09:00 GMT, 09:00Z', () => {
    expect(nextBusinessMoment(london, at('2026-10-23T16:30:00Z'))).toBe(at('2026-10-26T09:00:00Z'));
  });

  it('opens at the clock change when business hours start inside the skipped hour', () => {
    // New York, 8 March 2026: at 07:00Z the clock jumps from 02:00 EST to 03:00 EDT; 02:30 never happens.
    const night = regionOf('night', 'America/New_York', { businessHours: { days: 'Mon-Sun', start: '02:30', end: '04:00' } });
    expect(nextBusinessMoment(night, at('2026-03-08T00:00:00Z'))).toBe(at('2026-03-08T07:00:00Z'));
    expect(isInBusinessHours(night, at('2026-03-08T06:59:59Z'))).toBe(false);
    expect(isInBusinessHours(night, at('2026-03-08T07:59:59Z'))).toBe(true);
    expect(isInBusinessHours(night, at('2026-03-08T08:00:00Z'))).toBe(false);
  });

  it('opens at the first pass when business hours start inside the repeated hour', () => {
    // New York, 1 November 2026: 01:00-02:00 happens twice, first in EDT (05:00Z) then in EST (06:00Z).
    const night = regionOf('night', 'America/New_York', { businessHours: { days: 'Mon-Sun', start: '01:30', end: '03:00' } });
    expect(nextBusinessMoment(night, at('2026-11-01T04:00:00Z'))).toBe(at('2026-11-01T05:30:00Z'));
    expect(isInBusinessHours(night, at('2026-11-01T06:15:00Z'))).toBe(true);
    expect(isInBusinessHours(night, at('2026-11-01T08:00:00Z'))).toBe(false);
  });
});

describe('business hours of several regions at once', () => {
  it('overlap London and New York 14:00-17:00Z while both keep standard time', () => {
    expect(commonBusinessSpans([london, newYork], at('2026-03-02T00:00:00Z'), at('2026-03-03T00:00:00Z'))).toEqual([
      [at('2026-03-02T14:00:00Z'), at('2026-03-02T17:00:00Z')],
    ]);
  });

  it('overlap 13:00-17:00Z in the weeks when only the US has moved its clocks', () => {
    expect(commonBusinessSpans([london, newYork], at('2026-03-09T00:00:00Z'), at('2026-03-10T00:00:00Z'))).toEqual([
      [at('2026-03-09T13:00:00Z'), at('2026-03-09T17:00:00Z')],
    ]);
  });

  it('overlap 13:00-16:00Z once both have moved their clocks', () => {
    expect(commonBusinessSpans([london, newYork], at('2026-03-30T00:00:00Z'), at('2026-03-31T00:00:00Z'))).toEqual([
      [at('2026-03-30T13:00:00Z'), at('2026-03-30T16:00:00Z')],
    ]);
  });

  it('are found months ahead when they overlap only in the week the UK has left summer time and the US has not', () => {
    const lunch = regionOf('eu-west-1', 'Europe/London', { businessHours: { days: 'Mon-Fri', start: '13:00', end: '14:00' } });
    const early = regionOf('us-east-1', 'America/New_York', { businessHours: { days: 'Mon-Fri', start: '09:00', end: '09:30' } });
    expect(nextCommonBusinessMoment([lunch, early], at('2026-06-01T00:00:00Z'))).toBe(at('2026-10-26T13:00:00Z'));
  });

  it('are undefined when they never overlap (the search stops a year ahead)', () => {
    const a = regionOf('ap-south-1', 'Asia/Kolkata', { businessHours: { days: 'Mon-Fri', start: '09:00', end: '10:00' } });
    const b = regionOf('us-west-2', 'America/Los_Angeles', { businessHours: { days: 'Mon-Fri', start: '09:00', end: '10:00' } });
    expect(nextCommonBusinessMoment([a, b], at('2026-03-02T00:00:00Z'))).toBeUndefined();
  });
});

describe('describing business hours', () => {
  it('names the zone, the days and the hours', () => {
    expect(describeBusinessHours(london)).toBe('Europe/London, Mon-Fri 09:00-17:00');
    const late = regionOf('x', 'Asia/Kolkata', { businessHours: { days: ['Mon', 'Wed', 'Fri'], start: '13:30', end: '24:00' } });
    expect(describeBusinessHours(late)).toBe('Asia/Kolkata, Mon, Wed, Fri 13:30-24:00');
  });

  it('writes runs of days as ranges and pairs as lists', () => {
    expect(formatDays([1, 2, 3, 6])).toBe('Mon-Wed, Sat');
    expect(formatDays([6, 7])).toBe('Sat, Sun');
    expect(formatDays([1, 2, 3, 4, 5, 6, 7])).toBe('Mon-Sun');
  });
});
