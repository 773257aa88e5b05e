import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { LocalTime, firstInstantAtLocal, localMs, offsetAt } from './zone-time.ts';

const MINUTE = 60_000;
const local = (iso: string): number => Date.parse(`${iso}Z`);
const utc = (t: number): string => new Date(t).toISOString().slice(0, 16);

function checkAgainstLuxon(zone: string, fromIso: string, hours: number): void {
  const clock = new LocalTime(zone);
  const start = Date.parse(fromIso);
  for (let t = start; t < start + hours * 60 * MINUTE; t += MINUTE) {
    const dt = DateTime.fromMillis(t, { zone });
    expect(clock.minuteOfDay(t)).toBe(dt.hour * 60 + dt.minute);
  }
}

describe('wall-clock time in a zone', () => {
  it('agrees with luxon minute by minute across the spring change in London', () => {
    checkAgainstLuxon('Europe/London', '2026-03-28T00:00:00Z', 48);
  });

  it('agrees with luxon across the autumn change in New York', () => {
    checkAgainstLuxon('America/New_York', '2026-10-31T12:00:00Z', 48);
  });

  it('agrees with luxon across a half-hour change (Lord Howe Island)', () => {
    checkAgainstLuxon('Australia/Lord_Howe', '2026-04-04T00:00:00Z', 48);
  });

  it('reads Kolkata as UTC+05:30 whatever was asked before', () => {
    const clock = new LocalTime('Asia/Kolkata');
    const t = Date.parse('2026-03-02T08:30:00Z');
    expect(clock.minuteOfDay(Date.parse('2030-01-01T00:00:00Z'))).toBe(330);
    expect(clock.minuteOfDay(t)).toBe(14 * 60);
    expect(clock.offsetMs(t)).toBe(330 * MINUTE);
  });

  it('refuses a zone that does not exist', () => {
    expect(() => new LocalTime('Mars/Olympus')).toThrow('"Mars/Olympus" is not an IANA time zone');
  });

  it('gives the offset and the local wall clock of an instant', () => {
    const t = Date.parse('2026-07-01T12:00:00Z');
    expect(offsetAt('Europe/London', t)).toBe(60 * MINUTE);
    expect(localMs('Asia/Kolkata', t)).toBe(local('2026-07-01T17:30'));
  });

  it('finds the first instant a clock reads a local time, across both changes', () => {
    // An ordinary morning in London, on GMT and on BST.
    expect(utc(firstInstantAtLocal('Europe/London', local('2026-03-02T09:00')))).toBe('2026-03-02T09:00');
    expect(utc(firstInstantAtLocal('Europe/London', local('2026-07-01T09:00')))).toBe('2026-07-01T08:00');
    // 01:30 on 29 March does not exist: the clock jumps from 01:00 to 02:00 at 01:00 UTC.
    expect(utc(firstInstantAtLocal('Europe/London', local('2026-03-29T01:30')))).toBe('2026-03-29T01:00');
    // 01:30 on 25 October happens twice: first on BST (00:30 UTC), then on GMT.
    expect(utc(firstInstantAtLocal('Europe/London', local('2026-10-25T01:30')))).toBe('2026-10-25T00:30');
    // New York skips 02:00-03:00 on 8 March: 02:30 is reached at the change, 07:00 UTC.
    expect(utc(firstInstantAtLocal('America/New_York', local('2026-03-08T02:30')))).toBe('2026-03-08T07:00');
  });

  it('lists the instants a zone changes its offset', () => {
    const clock = new LocalTime('Europe/London');
    expect(clock.changesIn(Date.parse('2026-01-01T00:00:00Z'), Date.parse('2027-01-01T00:00:00Z')).map(utc)).toEqual(['2026-03-29T01:00', '2026-10-25T01:00']);
  });
});
