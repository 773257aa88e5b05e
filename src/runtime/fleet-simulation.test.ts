import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { FleetConfig } from '../policy/fleet-config.ts';
import { loadFleetScenario } from '../sim/fleet-scenario.ts';
import { readConfig } from './config-dir.ts';
import { runFleetSimulation, type FleetReleaseReport } from './fleet-simulation.ts';

const config = readConfig('examples/fleet');
const withLimit = (perRegion: number | null): FleetConfig => ({ ...config, fleets: config.fleets.map((f) => ({ ...f, perRegion })) });

function scenarioOf(text: string, cfg: FleetConfig = config) {
  return loadFleetScenario(text, 'scenario.yaml', cfg).scenario;
}

async function runExample(name: string) {
  const file = `examples/fleet/scenarios/${name}.yaml`;
  return runFleetSimulation(config, loadFleetScenario(readFileSync(file, 'utf8'), file, config).scenario);
}

const head = (body: string, horizon = '14d') => `apiVersion: meridian.dev/v1alpha1
kind: FleetScenario
spec:
  start: "2026-03-02T08:00:00Z"
  horizon: ${horizon}
${body}`;

const release = (runs: FleetReleaseReport[], service: string): FleetReleaseReport => runs.find((r) => r.service === service)!;
const waits = (r: FleetReleaseReport): string[] => r.events.filter((e) => e.type === 'ring.waiting').map((e) => `${e.at.slice(0, 16)} ${e.ring}: ${e.detail}`);
const deployed = (r: FleetReleaseReport, ring: string): string | undefined => r.events.find((e) => e.type === 'ring.deploy.started' && e.ring === ring)?.at;

/**
 * The most releases deploying or baking in each region at any moment, from the event streams: a
 * ring holds its regions from `ring.deploy.started` until it passes, fails or rolls back, or its
 * release ends.
 */
function mostAtOnce(cfg: FleetConfig, runs: FleetReleaseReport[]): Record<string, number> {
  const edges: Array<{ at: number; region: string; delta: number }> = [];
  for (const r of runs) {
    const policy = cfg.services.find((s) => s.service === r.service)!.policy;
    const open = new Map<string, number>();
    const close = (ring: string, at: number): void => {
      const from = open.get(ring);
      if (from === undefined) return;
      open.delete(ring);
      for (const region of policy.spec.rings.find((x) => x.name === ring)!.regions) edges.push({ at: from, region, delta: 1 }, { at, region, delta: -1 });
    };
    for (const e of r.events) {
      const at = Date.parse(e.at);
      if (e.type === 'ring.deploy.started') open.set(e.ring!, at);
      else if (e.type === 'ring.passed' || e.type === 'ring.failed' || e.type === 'ring.rollback.started') close(e.ring!, at);
      else if (e.type === 'release.halted' || e.type === 'release.aborted') for (const ring of [...open.keys()]) close(ring, at);
    }
    for (const ring of [...open.keys()]) close(ring, Infinity);
  }
  // Ends before starts at the same instant: a region freed at t may be taken at t.
  edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
  const now: Record<string, number> = {};
  const most: Record<string, number> = {};
  for (const e of edges) {
    now[e.region] = (now[e.region] ?? 0) + e.delta;
    most[e.region] = Math.max(most[e.region] ?? 0, now[e.region]!);
  }
  return most;
}

describe('simulating many releases at once on one fleet', { timeout: 60_000 }, () => {
  it('never has more than perRegion releases deploying or baking in a region; the third waits, saying why', async () => {
    const run = await runExample('two-at-once');
    expect(run.releases.map((r) => [r.service, r.outcome])).toEqual([['checkout', 'completed'], ['search', 'completed'], ['profile', 'completed']]);
    const most = mostAtOnce(config, run.releases);
    expect(Math.max(...Object.values(most))).toBe(2);
    expect(most.internal).toBe(2);
    const profile = release(run.releases, 'profile');
    expect(waits(profile)[0]).toBe('2026-03-02T08:00 ring-0: region busy: internal has 2 releases deploying or baking');
    // It takes internal the moment search's ring-0 has baked there.
    expect(deployed(profile, 'ring-0')).toBe(release(run.releases, 'search').events.find((e) => e.type === 'ring.passed' && e.ring === 'ring-0')!.at);
    expect(waits(release(run.releases, 'checkout'))).toContain('2026-03-02T10:05 ring-1: region busy: ap-south-1 has 2 releases deploying or baking');
  });

  it('lets releases held back go in the order they started, each saying how many wait ahead', async () => {
    const cfg = withLimit(1);
    const scenario = scenarioOf(head(`  releases:
    - { service: profile, version: v2, previous: v1, at: "+2m" }
    - { service: checkout, version: v2, previous: v1, at: "+0m" }
    - { service: search, version: v2, previous: v1, at: "+1m" }
`, '12h'), cfg);
    const run = await runFleetSimulation(cfg, scenario);
    expect(run.releases.map((r) => r.service)).toEqual(['profile', 'checkout', 'search']);
    expect(waits(release(run.releases, 'search'))[0]).toBe('2026-03-02T08:01 ring-0: region busy: internal has 1 release deploying or baking');
    expect(waits(release(run.releases, 'profile'))[0]).toBe('2026-03-02T08:02 ring-0: region busy: internal has 1 release deploying or baking and 1 waiting ahead');
    // checkout bakes 2h in internal, then search (1h), then profile.
    expect(['checkout', 'search', 'profile'].map((s) => deployed(release(run.releases, s), 'ring-0'))).toEqual(['2026-03-02T08:00:00.000Z', '2026-03-02T10:05:00.000Z', '2026-03-02T11:10:00.000Z']);
    expect(Math.max(...Object.values(mostAtOnce(cfg, run.releases)))).toBe(1);
    // The horizon (12h) comes before any of them completes.
    expect(run.releases.map((r) => r.outcome)).toEqual(['waiting', 'waiting', 'waiting']);
    expect(run.endedAt).toBeLessThanOrEqual(run.horizonAt);
  });

  it('fails and rolls back only the service whose new version is bad; the other goes on untouched', async () => {
    const run = await runExample('bad-search');
    const search = release(run.releases, 'search');
    const checkout = release(run.releases, 'checkout');
    expect(search.outcome).toBe('rolled-back');
    expect(search.rings.map((r) => [r.name, r.verdict, r.rolledBack])).toEqual([['ring-0', 'passed', false], ['ring-1', 'passed', true], ['ring-2', 'failed', true]]);
    expect(search.detection).toMatchObject({ ring: 'ring-2', gate: 'error-rate' });
    expect(search.events.filter((e) => e.type === 'gate.failed').map((e) => e.region)).toEqual(['eu-west-1']);
    expect(Object.values(search.finalVersions)).toEqual(['v8.0.0', 'v7.9.1', 'v7.9.1', 'v7.9.1', 'v7.9.1']);
    expect(search.exposure.userMinutes).toBeGreaterThan(0);

    expect(checkout.outcome).toBe('completed');
    expect(checkout.rings.every((r) => r.verdict === 'passed' && !r.rolledBack)).toBe(true);
    expect(checkout.events.some((e) => e.type.startsWith('gate.') || e.type.startsWith('ring.rollback'))).toBe(false);
    expect(Object.values(checkout.finalVersions)).toEqual(Array(5).fill('v2.1.0'));
    expect([checkout.faultOnset, checkout.detection, checkout.exposure.userMinutes]).toEqual([null, null, 0]);
  });

  it('holds only the rings a freeze matches: bakes go on under it, other services go on, and its end lets the release go on', async () => {
    const run = await runExample('stop-the-line');
    const search = release(run.releases, 'search');
    const checkout = release(run.releases, 'checkout');
    // ring-0 deployed before the freeze (08:30) and baked to its end under it.
    expect(deployed(search, 'ring-0')).toBe('2026-03-02T08:00:00.000Z');
    expect(search.events.find((e) => e.type === 'ring.passed' && e.ring === 'ring-0')?.at).toBe('2026-03-02T09:05:00.000Z');
    expect(waits(search)[0]).toBe('2026-03-02T09:05 ring-1: frozen: incident 4711: search index corruption');
    // The freeze ends at +26h (2026-03-03T10:00Z), inside ap-south-1's business hours.
    expect(deployed(search, 'ring-1')).toBe('2026-03-03T10:00:00.000Z');
    expect(search.outcome).toBe('completed');
    expect(waits(checkout).some((w) => w.includes('frozen'))).toBe(false);
    expect(deployed(checkout, 'ring-1')).toBe('2026-03-02T10:05:00.000Z');
    expect(checkout.outcome).toBe('completed');
  });

  it('holds the rings of a region freeze for every service, and one never ended leaves them waiting at the horizon', async () => {
    const scenario = scenarioOf(head(`  releases:
    - { service: search, version: v2, previous: v1 }
    - { service: profile, version: v2, previous: v1 }
  freezes:
    - { reason: ap-south-1 network change, regions: [ap-south-1], at: "+0m" }
    - { reason: profile config check, services: [profile], at: "+0m", until: "+1h" }
`, '2d'));
    const run = await runFleetSimulation(config, scenario);
    for (const r of run.releases) {
      expect(r.outcome).toBe('waiting');
      expect(r.rings.map((x) => x.verdict)).toEqual(['passed', 'not-started', 'not-started']);
      expect(waits(r).at(-1)).toMatch(/ ring-1: frozen: ap-south-1 network change$/);
    }
    // A freeze that starts when a release does holds it from its first ring.
    const profile = release(run.releases, 'profile');
    expect(waits(profile)[0]).toBe('2026-03-02T08:00 ring-0: frozen: profile config check');
    expect(deployed(profile, 'ring-0')).toBe('2026-03-02T09:00:00.000Z');
    expect(deployed(release(run.releases, 'search'), 'ring-0')).toBe('2026-03-02T08:00:00.000Z');
  });

  it('gives approvals at their time after the request: one from someone who may not approve is rejected, a listed approver goes on', async () => {
    const scenario = scenarioOf(head(`  releases:
    - { service: checkout, version: v2, previous: v1 }
  approvals:
    - { service: checkout, ring: ring-3, by: mallory, after: 5m }
    - { service: checkout, ring: ring-3, by: lead, groups: [release-team], after: 10m }
`));
    const run = await runFleetSimulation(config, scenario);
    const checkout = release(run.releases, 'checkout');
    const requested = Date.parse(checkout.events.find((e) => e.type === 'approval.requested')!.at);
    expect(checkout.events.filter((e) => e.type.startsWith('approval.')).map((e) => [e.type, (Date.parse(e.at) - requested) / 60_000, e.detail])).toEqual([
      ['approval.requested', 0, 'approvers: group:release-team'],
      ['approval.rejected', 5, 'mallory is not an approver of ring-3 (approvers: group:release-team)'],
      ['approval.granted', 10, 'by lead'],
    ]);
    expect(checkout.outcome).toBe('completed');
  });

  it('is deterministic: the same configuration and scenario give the same report, byte for byte; another seed another one', async () => {
    const text = head(`  releases:
    - { service: search, version: v2, previous: v1, faults: [{ kind: error-rate, regions: [ap-south-1], value: 0.012 }] }
    - { service: profile, version: v2, previous: v1, at: "+10m" }
`, '3d');
    const a = await runFleetSimulation(config, scenarioOf(text));
    const b = await runFleetSimulation(config, scenarioOf(text));
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    const c = await runFleetSimulation(config, scenarioOf(text), { seed: 2 });
    expect(JSON.stringify(c)).not.toBe(JSON.stringify(a));
    expect(a.releases.map((r) => r.id)).toEqual(['sim-scenario-search', 'sim-scenario-profile']);
  });
});
