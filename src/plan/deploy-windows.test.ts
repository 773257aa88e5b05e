import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../policy/load.ts';
import { deployWindows } from './deploy-windows.ts';

const policy = (extra = '') => loadPolicy(`
apiVersion: meridian.dev/v1alpha1
kind: ReleasePolicy
metadata: { name: shop }
spec:
  service: { name: shop }
  regions:
    - { name: internal, internal: true, timezone: UTC, clusters: [{ name: staging }] }
    - { name: london, timezone: Europe/London, userShare: 0.4, clusters: [{ name: l }] }
    - { name: frankfurt, timezone: Europe/Berlin, userShare: 0.3, clusters: [{ name: f }] }
    - { name: newyork, timezone: America/New_York, userShare: 0.3, clusters: [{ name: n }] }
  rings:
    - { name: ring-0, regions: [internal], bake: 1h }
    - { name: ring-1, regions: [london], bake: 24h }
    - { name: ring-2, regions: [frankfurt, newyork], bake: 24h }
${extra}`, 'p.yaml').policy;

const MONDAY = Date.parse('2026-03-02T00:00:00Z');
const iso = (t: number) => new Date(t).toISOString().slice(0, 16);

describe('deployment windows', () => {
  it('gives each production ring the business hours of all its regions, and the quietest hour in them', () => {
    const [ring1, ring2] = deployWindows(policy(), MONDAY);
    expect(ring1!.ring).toBe('ring-1');
    expect(ring1!.hoursPerWeek).toBe(40);
    expect(ring1!.windows.map((w) => `${iso(w.from)}..${iso(w.to)}`)[0]).toBe('2026-03-02T09:00..2026-03-02T17:00');
    // London's curve rises from 03:00 to a 14:00 peak: the quietest business hour is 09:00.
    expect(iso(ring1!.best!.at)).toBe('2026-03-02T09:00');
    // Frankfurt 09-17 (08-16 UTC) and New York 09-17 (14-22 UTC before the US clock change) share 14:00-16:00 UTC.
    expect(ring2!.windows.map((w) => `${iso(w.from)}..${iso(w.to)}`)[0]).toBe('2026-03-02T14:00..2026-03-02T16:00');
    expect(ring2!.hoursPerWeek).toBe(10);
  });

  it('follows a traffic override and leaves frozen hours out', () => {
    const flat = Array.from({ length: 24 }, (_, h) => (h === 16 ? 0.1 : 1));
    const frozen = policy('  windows: { freeze: [{ from: "2026-03-02T00:00:00Z", to: "2026-03-03T00:00:00Z", reason: launch }] }');
    const [ring1] = deployWindows(frozen, MONDAY, { london: flat });
    expect(ring1!.hoursPerWeek).toBe(32);
    expect(iso(ring1!.best!.at)).toBe('2026-03-03T16:00');
    expect(ring1!.best!.load).toBe(0.04);
  });

  it('says a ring has no window when its regions never share business hours', () => {
    const apart = policy().spec;
    apart.regions[3]!.timezone = 'Pacific/Auckland';
    const [, ring2] = deployWindows({ ...policy(), spec: apart }, MONDAY);
    expect(ring2).toMatchObject({ windows: [], best: null, hoursPerWeek: 0 });
  });
});
