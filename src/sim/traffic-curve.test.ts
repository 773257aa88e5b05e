import { describe, expect, it } from 'vitest';
import { TrafficCurve, defaultWeight } from './traffic-curve.ts';

const regions = [
  { name: 'internal', timezone: 'UTC' },
  { name: 'ap-south-1', timezone: 'Asia/Kolkata' },
  { name: 'eu-west-1', timezone: 'Europe/London' },
];

describe('the default daily traffic curve', () => {
  it('peaks at 1.5 at 14:00 and bottoms at 0.5 at 03:00: peak ÷ trough = 3', () => {
    expect(defaultWeight(14)).toBe(1.5);
    expect(defaultWeight(3)).toBe(0.5);
    expect(defaultWeight(14) / defaultWeight(3)).toBe(3);
  });

  it('has no higher or lower point anywhere in the day', () => {
    const all = Array.from({ length: 1440 }, (_, m) => defaultWeight(m / 60));
    expect(Math.max(...all)).toBe(1.5);
    expect(Math.min(...all)).toBe(0.5);
    expect(all.indexOf(1.5)).toBe(14 * 60);
    expect(all.indexOf(0.5)).toBe(3 * 60);
  });

  it('has a daily mean of 1, sampled every minute or every hour', () => {
    const minutes = Array.from({ length: 1440 }, (_, m) => defaultWeight(m / 60));
    const hours = Array.from({ length: 24 }, (_, h) => defaultWeight(h));
    expect(minutes.reduce((a, b) => a + b, 0) / 1440).toBeCloseTo(1, 12);
    expect(hours.reduce((a, b) => a + b, 0) / 24).toBeCloseTo(1, 12);
    expect(new TrafficCurve(regions).dailyMean('ap-south-1')).toBeCloseTo(1, 12);
  });

  it('is smooth: no step between neighbouring minutes is larger than 0.0025', () => {
    let worst = 0;
    for (let m = 0; m < 1440; m++) worst = Math.max(worst, Math.abs(defaultWeight((m + 1) / 60) - defaultWeight(m / 60)));
    expect(worst).toBeLessThan(0.0025);
    expect(defaultWeight(24)).toBe(defaultWeight(0));
  });
});

describe('a region’s traffic weight', () => {
  const curve = new TrafficCurve(regions);

  it('follows local time in Asia/Kolkata: the peak at 08:30 UTC, the trough at 21:30 UTC', () => {
    expect(curve.weightAt('ap-south-1', Date.parse('2026-03-02T08:30:00Z'))).toBe(1.5);
    expect(curve.weightAt('ap-south-1', Date.parse('2026-03-01T21:30:00Z'))).toBe(0.5);
  });

  it('follows summer time in London: the peak at 13:00 UTC in June, 14:00 UTC in March', () => {
    expect(curve.weightAt('eu-west-1', Date.parse('2026-06-01T13:00:00Z'))).toBe(1.5);
    expect(curve.weightAt('eu-west-1', Date.parse('2026-03-02T14:00:00Z'))).toBe(1.5);
  });

  it('uses a scenario’s 24 hourly weights, by local hour, as written', () => {
    const hourly = Array.from({ length: 24 }, (_, h) => h);
    const custom = new TrafficCurve(regions, { 'ap-south-1': hourly });
    expect(custom.weightAt('ap-south-1', Date.parse('2026-03-02T08:30:00Z'))).toBe(14);
    expect(custom.weightAt('ap-south-1', Date.parse('2026-03-02T09:29:00Z'))).toBe(14);
    expect(custom.weightAt('ap-south-1', Date.parse('2026-03-02T09:30:00Z'))).toBe(15);
    expect(custom.weightAt('eu-west-1', Date.parse('2026-03-02T14:00:00Z'))).toBe(1.5);
  });

  it('refuses a region it does not know', () => {
    expect(() => curve.weightAt('mars-1', 0)).toThrow('region "mars-1" has no traffic curve');
  });
});
