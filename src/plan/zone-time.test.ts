import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { LocalTime } from './local-time.ts';

const MINUTE = 60_000;

function checkAgainstLuxon(zone: string, fromIso: string, hours: number): void {
  const clock = new LocalTime(zone);
  const start = Date.parse(fromIso);
  for (let t = start; t < start + hours * 60 * MINUTE; t += MINUTE) {
    const dt = DateTime.fromMillis(t, { zone });
    expect(clock.minuteOfDay(t)).toBe(dt.hour * 60 + dt.minute);
  }
}

describe('local time in a zone', () => {
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
});
