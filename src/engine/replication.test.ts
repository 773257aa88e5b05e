/** @module Tests of replication per group under region-isolated: when each group pauses and resumes, early resumes, pauses again before a rollback, and releases recorded under the steps without groups. */
import { describe, expect, it } from 'vitest';
import { decide } from './decide.ts';
import { policyOf, run } from './fake-ports.test-helper.ts';
import { refuseRelease } from './release-rules.ts';
import { groupPaused, replicationStep } from './replication.ts';
import type { EngineInput, ReleaseState } from './types.ts';

/** Two zones: EU in rings 1 and 2, US in ring 3; each zone replicates in a group of its own. */
const GROUPED = `
apiVersion: meridian.dev/v1alpha1
kind: ReleasePolicy
metadata: { name: shop }
spec:
  service: { name: shop }
  regions:
    - { name: internal, internal: true, timezone: UTC, clusters: [{ name: staging }] }
    - { name: eu-west-1, residency: EU, timezone: Europe/Dublin, userShare: 0.2, capacity: 2.5, clusters: [{ name: euw1 }] }
    - { name: eu-central-1, residency: EU, timezone: Europe/Berlin, userShare: 0.3, capacity: 1.7, clusters: [{ name: euc1 }] }
    - { name: us-east-1, residency: US, timezone: America/New_York, userShare: 0.5, capacity: 1.5, clusters: [{ name: use1 }] }
  rings:
    - { name: ring-0, regions: [internal], bake: 1h, gates: [error-rate] }
    - { name: ring-1, regions: [eu-west-1], bake: 2h, gates: [error-rate], evidence: { coverPeak: false } }
    - { name: ring-2, regions: [eu-central-1], bake: 1h, gates: [error-rate], onFailure: { rollback: [ring-1, ring-2] } }
    - { name: ring-3, regions: [us-east-1], bake: 1h, gates: [error-rate], onFailure: { rollback: [ring-2, ring-3] } }
  gates:
    error-rate: { metric: error_rate, max: 0.01 }
  windows: { deploy: always }
  data:
    pattern: region-isolated
    replication:
      pause: { command: [pause-replication] }
      resume: { command: [resume-replication] }
      groups:
        - { name: eu, residency: EU, regions: [eu-west-1, eu-central-1] }
        - { name: us, regions: [us-east-1] }
`;

const hooks = (log: string[]) => log.filter((l) => l.startsWith('hook'));
const replicationEvents = (s: ReleaseState) => s.events.filter((e) => e.type.startsWith('replication.')).map((e) => `${e.type} ${e.detail}`);

describe('replication per group (region-isolated with spec.data.replication.groups)', () => {
  it('pauses each group before its first ring, and resumes a group as soon as its regions all passed on the new version', async () => {
    const { state, world, types } = await run(policyOf(GROUPED));
    expect(state.phase).toBe('completed');
    expect(hooks(world.log)).toEqual(['hook replication.pause:eu', 'hook replication.resume:eu', 'hook replication.pause:us', 'hook replication.resume:us']);
    expect(replicationEvents(state)).toEqual([
      'replication.paused replication.pause:eu (eu-west-1, eu-central-1)',
      'replication.resumed replication.resume:eu (eu-west-1, eu-central-1)',
      'replication.paused replication.pause:us (us-east-1)',
      'replication.resumed replication.resume:us (us-east-1)',
    ]);
    // EU resumes once ring-2 passed, before ring-3 starts; not when the release completes.
    const at = (t: string) => types.indexOf(t);
    expect(at('ring.passed ring-2')).toBeLessThan(at('replication.resumed'));
    expect(at('replication.resumed')).toBeLessThan(at('ring.deploy.started ring-3'));
    // The internal ring holds no grouped region: nothing is paused before it.
    expect(at('ring.deploy.started ring-0')).toBeLessThan(at('replication.paused'));
  });

  it('pauses a group resumed early again before one of its rings rolls back, and resumes only groups whose regions run one version', async () => {
    const { state, world } = await run(policyOf(GROUPED), { errorRate: (region) => (region === 'us-east-1' ? 0.05 : 0.001) });
    expect(state.phase).toBe('rolled-back');
    // ring-3 fails: ring-3 then ring-2 go back. EU was resumed, so it is paused before ring-2 rolls back;
    // ring-1 keeps eu-west-1 on v2, so EU stays paused. US runs v1 everywhere again: resumed.
    expect(hooks(world.log)).toEqual([
      'hook replication.pause:eu', 'hook replication.resume:eu', 'hook replication.pause:us', 'hook replication.pause:eu', 'hook replication.resume:us',
    ]);
    const rolled = world.log.filter((l) => l.startsWith('rollback') || l === 'hook replication.pause:eu');
    expect(rolled).toEqual(['hook replication.pause:eu', 'rollback ring-3 to v1', 'hook replication.pause:eu', 'rollback ring-2 to v1']);
    expect(groupPaused(state.hooksDone, 'eu')).toBe(true);
    expect(groupPaused(state.hooksDone, 'us')).toBe(false);
  });

  it('resumes every group after a full rollback', async () => {
    const full = GROUPED.replace('onFailure: { rollback: [ring-2, ring-3] }', 'onFailure: { rollback: [ring-1, ring-2, ring-3] }');
    const { state, world } = await run(policyOf(full), { errorRate: (region) => (region === 'us-east-1' ? 0.05 : 0.001) });
    expect(state.phase).toBe('rolled-back');
    expect(hooks(world.log).slice(-2)).toEqual(['hook replication.resume:eu', 'hook replication.resume:us']);
  });

  it('halts when a group hook fails, naming the step, and retries it on resume', async () => {
    const policy = policyOf(GROUPED);
    const { state } = await run(policy, { failHooks: ['replication.pause:eu'] });
    expect(state.phase).toBe('halted');
    expect(state.haltReason).toBe('hook replication.pause:eu failed: replication.pause:eu exited with status 1');
    const resumed = decide(state, { type: 'resume', at: state.haltedAt! + 60_000, by: 'alice' }, policy);
    expect(resumed.effects).toEqual([{ type: 'run-hook', step: 'replication.pause:eu' }]);
  });

  it('reads the step names', () => {
    expect(replicationStep('replication.pause:eu')).toEqual({ kind: 'pause', group: 'eu' });
    expect(replicationStep('replication.resume')).toEqual({ kind: 'resume', group: null });
    expect(replicationStep('flag.enable')).toBeNull();
    expect(replicationStep('replication.pause:')).toBeNull();
  });
});

describe('releases recorded before replication groups', () => {
  const LEGACY = GROUPED.replace(/\n {6}groups:[\s\S]*$/, '\n').replace(/residency: (EU|US), /g, '');

  it('replay to the same state from their recorded inputs, with the steps replication.pause and replication.resume', async () => {
    const policy = policyOf(LEGACY);
    const record: EngineInput[] = [];
    const { state, world } = await run(policy, { record });
    expect(hooks(world.log)).toEqual(['hook replication.pause', 'hook replication.resume']);
    let replayed: ReleaseState | null = null;
    for (const input of record) replayed = decide(replayed, input, policy).state;
    expect(replayed).toEqual(state);
  });

  it('go on from a snapshot taken while paused under the old step, and resume with the old step', async () => {
    const policy = policyOf(LEGACY);
    const record: EngineInput[] = [];
    const { state } = await run(policy, { record });
    let s: ReleaseState | null = null;
    let k = 0;
    for (; !s?.hooksDone.includes('replication.pause'); k++) s = decide(s, record[k]!, policy).state;
    // As a store keeps it: plain JSON.
    let from = JSON.parse(JSON.stringify(s)) as ReleaseState;
    const steps: string[] = [];
    for (; k < record.length; k++) {
      const d = decide(from, record[k]!, policy);
      for (const e of d.effects) if (e.type === 'run-hook') steps.push(e.step);
      from = d.state;
    }
    expect(steps).toEqual(['replication.resume']);
    expect(from).toEqual(state);
  });
});

describe('a contract schema release with replication groups', () => {
  const policy = policyOf(GROUPED);
  const contract = { changes: ['schema' as const], schemaPhase: 'contract' as const };

  it('waits until the regions of each group run one version, naming the group', () => {
    expect(refuseRelease(policy, contract, { internal: 'v1', 'eu-west-1': 'v2', 'eu-central-1': 'v1', 'us-east-1': 'v2' })).toEqual({
      kind: 'conflict',
      message: 'a contract schema release waits until the regions of each replication group run one version: group eu: eu-west-1 runs v2; eu-central-1 runs v1',
    });
  });

  it('may start while two groups run different versions: they share no data', () => {
    expect(refuseRelease(policy, contract, { internal: 'v1', 'eu-west-1': 'v2', 'eu-central-1': 'v2', 'us-east-1': 'v1' })).toBeNull();
  });
});
