/** @module Simulated releases of examples/residency.yaml: the drain refused at the residency boundary while the rollback goes on, a failover kept inside its zone, and replication resumed per group. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../policy/load.ts';
import { loadScenario } from '../sim/scenario.ts';
import { runSimulation } from './simulate.ts';

const { policy } = loadPolicy(readFileSync(new URL('../../examples/residency.yaml', import.meta.url), 'utf8'), 'examples/residency.yaml');
const FILE = 'examples/scenarios/residency/drain-refused.yaml';
const text = readFileSync(new URL(`../../${FILE}`, import.meta.url), 'utf8');

const line = (e: { type: string; ring?: string; region?: string }) => [e.type, e.ring ?? e.region ?? ''].join(' ').trim();

/** A scenario of the example policy: a Monday morning start, the given faults, the approval ring-4 needs. */
function scenarioWith(faults: string) {
  return loadScenario(`apiVersion: meridian.dev/v1alpha1
kind: Scenario
metadata: { name: inline }
spec:
  start: "2026-03-02T03:30:00Z"
  release: { version: v2.1.0, previous: v2.0.0 }
  faults: ${faults}
  approvals:
    - { ring: ring-4, by: lead, groups: [release-team], after: 10m }
`, 'inline.yaml', policy).scenario;
}

describe(`${FILE}`, () => {
  const { scenario } = loadScenario(text, FILE, policy);

  it('loads against examples/residency.yaml, starts on a Monday morning UTC and says what it shows', () => {
    expect(text.split('\n')[0]).toMatch(/^# Shows /);
    expect(scenario.metadata.name).toBe('drain-refused');
    const start = new Date(scenario.spec.start);
    expect(start.getUTCDay()).toBe(1);
    expect(start.getUTCHours()).toBeLessThan(6);
  });

  it('refuses to drain eu-central-1 into the US, records why, and rolls back all the same', async () => {
    const run = await runSimulation(policy, scenario);
    const events = run.state.events;
    const refused = events.filter((e) => e.type === 'traffic.drain.refused');
    expect(refused.map((e) => [e.region, e.detail])).toEqual([[
      'eu-central-1',
      'draining eu-central-1 (EU, 30% of users) needs 0.30 of spare capacity inside EU; the other EU region, eu-west-1, can absorb 0.12; us-west-2 and us-east-1 are outside EU',
    ]]);
    expect(events.some((e) => e.type === 'traffic.drained')).toBe(false);
    const from = events.findIndex((e) => e.type === 'ring.failed');
    expect(events.slice(from).map(line)).toEqual([
      'ring.failed ring-3',
      'traffic.drain.refused eu-central-1',
      'ring.rollback.started ring-3',
      'ring.rollback.completed ring-3',
      'ring.rollback.started ring-2',
      'ring.rollback.completed ring-2',
      'ring.rollback.started ring-1',
      'ring.rollback.completed ring-1',
      'replication.resumed',
      'replication.resumed',
    ]);
    expect(run.state.phase).toBe('rolled-back');
    expect(run.finalVersions).toEqual({ internal: 'v2.1.0', 'eu-west-1': 'v2.0.0', 'eu-central-1': 'v2.0.0', 'us-west-2': 'v2.0.0', 'us-east-1': 'v2.0.0' });
  });

  it('is the same run, byte for byte, every time', async () => {
    const a = await runSimulation(policy, scenario);
    const b = await runSimulation(policy, scenario);
    expect(JSON.stringify(b.state)).toBe(JSON.stringify(a.state));
  });
});

describe('failover inside a residency zone', () => {
  it('drains a region in an outage into its zone only, and refuses one its zone cannot absorb', async () => {
    // Monday, while ring-1 waits for EU business hours: eu-west-1 is down 05:00-06:00Z, eu-central-1 07:00-08:00Z.
    const run = await runSimulation(policy, scenarioWith(`
    - { kind: outage, region: eu-west-1, at: "2026-03-02T05:00:00Z", duration: 1h }
    - { kind: outage, region: eu-central-1, at: "2026-03-02T07:00:00Z", duration: 1h }`));
    const traffic = run.state.events.filter((e) => e.type.startsWith('traffic.')).map((e) => `${e.type} ${e.region}: ${e.detail}`);
    expect(traffic).toEqual([
      'traffic.drained eu-west-1: region outage; before: eu-west-1 1, eu-central-1 1, us-west-2 1, us-east-1 1; after: eu-west-1 0, eu-central-1 0.42, us-west-2 0.2, us-east-1 0.38',
      expect.stringMatching(/^traffic\.restored eu-west-1: /),
      'traffic.drain.refused eu-central-1: draining eu-central-1 (EU, 30% of users) needs 0.30 of spare capacity inside EU; the other EU region, eu-west-1, can absorb 0.12; us-west-2 and us-east-1 are outside EU',
    ]);
  });
});

describe('replication per zone over a whole release', () => {
  it('resumes EU replication once both EU rings passed, before the US ring that ends the release', async () => {
    const run = await runSimulation(policy, scenarioWith('[]'));
    expect(run.state.phase).toBe('completed');
    const seq = run.state.events.filter((e) => e.type.startsWith('replication.') || e.type === 'ring.passed' || e.type === 'ring.deploy.started').map((e) => (e.type.startsWith('replication.') ? `${e.type} ${e.detail}` : line(e)));
    expect(seq).toEqual([
      'ring.deploy.started ring-0',
      'ring.passed ring-0',
      'replication.paused replication.pause:eu (eu-west-1, eu-central-1)',
      'ring.deploy.started ring-1',
      'ring.passed ring-1',
      'replication.paused replication.pause:us (us-west-2, us-east-1)',
      'ring.deploy.started ring-2',
      'ring.passed ring-2',
      'ring.deploy.started ring-3',
      'ring.passed ring-3',
      'replication.resumed replication.resume:eu (eu-west-1, eu-central-1)',
      'ring.deploy.started ring-4',
      'ring.passed ring-4',
      'replication.resumed replication.resume:us (us-west-2, us-east-1)',
    ]);
  });
});

describe('the hook of a replication group', () => {
  it('runs the replication hook with the group\'s step, and refuses a group the policy does not declare', async () => {
    const { perform } = await import('./effects.ts');
    const { initialState } = await import('../engine/decide.ts');
    const state = initialState(policy, { id: 'r', service: 'accounts', version: 'v2', previousVersion: 'v1', changes: ['app'], schemaPhase: 'expand' }, {}, 0);
    const ran: Array<{ command: unknown; step: string }> = [];
    const ports = { hooks: { run: async (hook: { command?: unknown }, ctx: { step: string }) => { ran.push({ command: hook.command, step: ctx.step }); } } } as unknown as Parameters<typeof perform>[2];
    expect(await perform(policy, state, ports, { type: 'run-hook', step: 'replication.resume:eu' }, () => 5)).toEqual({ type: 'hook-done', at: 5, step: 'replication.resume:eu' });
    expect(ran).toEqual([{ command: ['./scripts/replication.sh', 'resume'], step: 'replication.resume:eu' }]);
    expect(await perform(policy, state, ports, { type: 'run-hook', step: 'replication.pause:apac' }, () => 5)).toEqual({
      type: 'hook-failed', at: 5, step: 'replication.pause:apac', error: 'the policy defines no such hook',
    });
  });
});
