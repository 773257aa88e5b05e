import { describe, expect, it } from 'vitest';
import { HOUR, MINUTE } from '../policy/duration.ts';
import { decide } from './decide.ts';
import { BASE, T0, policyOf, run } from './fake-ports.test-helper.ts';
import type { EngineInput } from './types.ts';

const approvedByTeam = { 'ring-3': [{ by: 'bob', groups: ['release-team'], after: 10 * MINUTE }] };

describe('a release that goes well', () => {
  it('deploys ring by ring, each after the previous bake, and completes', async () => {
    const { state, world, types } = await run(policyOf(), { approvals: approvedByTeam });
    expect(state.phase).toBe('completed');
    expect(world.log).toEqual(['deploy ring-0 v2', 'deploy ring-1 v2', 'deploy ring-2 v2', 'deploy ring-3 v2']);
    expect(types).toEqual([
      'release.started',
      'ring.deploy.started ring-0', 'ring.deploy.completed ring-0', 'ring.passed ring-0',
      'ring.deploy.started ring-1', 'ring.deploy.completed ring-1', 'ring.passed ring-1',
      'ring.deploy.started ring-2', 'ring.deploy.completed ring-2', 'ring.passed ring-2',
      'approval.requested ring-3', 'approval.granted ring-3',
      'ring.deploy.started ring-3', 'ring.deploy.completed ring-3', 'ring.passed ring-3',
      'release.completed',
    ]);
    const [r0, r1] = state.rings;
    expect(r0!.healthyAt).toBe(T0 + MINUTE);
    expect(r0!.bakeUntil).toBe(T0 + MINUTE + HOUR);
    expect(r1!.deployedAt).toBe(r0!.bakeUntil);
    expect(state.versions).toEqual({ internal: 'v2', 'ap-south-1': 'v2', 'eu-west-1': 'v2', 'us-east-1': 'v2' });
  });

  it('is a pure function: deciding never changes the state it was given', () => {
    const policy = policyOf();
    const started = decide(null, { type: 'start', at: T0, versions: {}, release: { id: 'r', service: 's', version: 'v2', previousVersion: 'v1', changes: ['app'], schemaPhase: 'expand' } }, policy);
    const snapshot = JSON.stringify(started.state);
    decide(started.state, { type: 'deployed', at: T0, ring: 'ring-0', ref: 'abc' }, policy);
    decide(started.state, { type: 'abort', at: T0, by: 'alice' }, policy);
    expect(JSON.stringify(started.state)).toBe(snapshot);
  });

  it('rebuilds exactly the same state by replaying the recorded inputs', async () => {
    const policy = policyOf();
    const record: EngineInput[] = [];
    const { state } = await run(policy, { approvals: approvedByTeam, record });
    let replayed = null;
    for (const input of record) replayed = decide(replayed, input, policy).state;
    expect(replayed).toEqual(state);
  });
});

describe('a failing ring', () => {
  const failEu = (region: string, at: number) => (region === 'eu-west-1' && at > T0 + 4 * HOUR ? 0.05 : 0.001);

  it('fails after two consecutive failing evaluations, never deploys downstream, and rolls back downstream first', async () => {
    const { state, world, types } = await run(policyOf(), { errorRate: failEu, approvals: approvedByTeam });
    expect(state.phase).toBe('rolled-back');
    expect(world.log).toEqual(['deploy ring-0 v2', 'deploy ring-1 v2', 'deploy ring-2 v2', 'rollback ring-2 to v1', 'rollback ring-1 to v1']);
    expect(types.slice(types.indexOf('gate.failed ring-2'))).toEqual([
      'gate.failed ring-2', 'ring.failed ring-2',
      'ring.rollback.started ring-2', 'ring.rollback.completed ring-2',
      'ring.rollback.started ring-1', 'ring.rollback.completed ring-1',
    ]);
    const failed = state.events.find((e) => e.type === 'gate.failed')!;
    expect(failed.region).toBe('eu-west-1');
    expect(failed.detail).toBe('error-rate: error_rate 0.05 > max 0.01');
    expect(state.rings.map((r) => [r.name, r.verdict, r.rolledBack])).toEqual([
      ['ring-0', 'passed', false], ['ring-1', 'passed', true], ['ring-2', 'failed', true], ['ring-3', null, false],
    ]);
    expect(state.versions).toEqual({ internal: 'v2', 'ap-south-1': 'v1', 'eu-west-1': 'v1', 'us-east-1': 'v1' });
  });

  it('does not fail on a single bad evaluation', async () => {
    // ring-2 is healthy at T0+3h03; its evaluations fall at +10m warmup, then every 5m: 3h18, 3h23, ...
    // The blip comes 35 minutes past the warmup, so that it moves its sliding window (40 minutes by
    // then) to 0.71% only: early in a bake the window is short and one bad interval sways it.
    const from = T0 + 3 * HOUR + 48 * MINUTE;
    const blip = (region: string, at: number) => (region === 'eu-west-1' && at > from && at <= from + 5 * MINUTE ? 0.05 : 0.001);
    const { state } = await run(policyOf(), { errorRate: blip, approvals: approvedByTeam });
    expect(state.rings[2]!.healthyAt).toBe(T0 + 3 * HOUR + 3 * MINUTE);
    expect(state.events.filter((e) => e.type === 'gate.failed')).toEqual([]);
    expect(state.phase).toBe('completed');
  });

  it('rolls back even inside a freeze, which stops deploys', async () => {
    const frozen = BASE.replace('windows: { deploy: always }', 'windows: { deploy: always, freeze: [{ from: "2026-03-02T12:00:00Z", to: "2026-03-09T00:00:00Z", reason: launch }] }');
    const late = (region: string, at: number) => (region === 'ap-south-1' && at > Date.parse('2026-03-02T12:10:00Z') ? 0.2 : 0.001);
    const { state, world } = await run(policyOf(frozen), { errorRate: late });
    expect(state.phase).toBe('rolled-back');
    expect(world.log).toEqual(['deploy ring-0 v2', 'deploy ring-1 v2', 'rollback ring-1 to v1']);
    const rollback = state.events.find((e) => e.type === 'ring.rollback.started')!;
    expect(rollback.at).toBeGreaterThan(Date.parse('2026-03-02T12:00:00Z'));
  });

  it('halts for good when the policy rolls nothing back, and refuses to resume', async () => {
    const noRollback = BASE.replace('onFailure: { rollback: [ring-1, ring-2] }', 'onFailure: { rollback: [] }');
    const policy = policyOf(noRollback);
    const { state } = await run(policy, { errorRate: (region) => (region === 'eu-west-1' ? 0.05 : 0.001) });
    expect(state.phase).toBe('halted');
    expect(state.haltReason).toBe('ring-2 failed and its policy rolls nothing back: roll back or abort');
    const resumed = decide(state, { type: 'resume', at: state.startedAt + 10 * HOUR, by: 'alice' }, policy);
    expect(resumed.rejected).toEqual({ kind: 'conflict', message: 'ring-2 failed; a failed ring halts the release for good: roll back or abort' });
    expect(resumed.state).toBe(state);
  });

  it('fails a ring that is not healthy by the progress deadline', async () => {
    const { state } = await run(policyOf(), { healthy: (t) => t.ring !== 'ring-1' });
    const failed = state.events.find((e) => e.type === 'ring.failed')!;
    expect(failed.ring).toBe('ring-1');
    expect(failed.detail).toBe('not synced and healthy 30m after deploy: Progressing; downstream rings will not be deployed');
    expect(failed.at - state.rings[1]!.deployedAt!).toBe(30 * MINUTE);
  });
});

describe('missing data', () => {
  it('never promotes on missing data and halts after three inconclusive evaluations', async () => {
    const { state, types } = await run(policyOf(), { errorRate: (region) => (region === 'ap-south-1' ? null : 0.001) });
    expect(state.phase).toBe('halted');
    // Each evaluation reports its interval and its sliding hour: interval, hour, interval, hour, interval (the third halts).
    expect(types.filter((t) => t === 'gate.inconclusive ring-1')).toHaveLength(3);
    expect(state.haltReason).toBe('3 consecutive inconclusive evaluations of error-rate in ap-south-1: no data for error_rate in ap-south-1 over the last 5m');
    expect(state.rings[1]!.verdict).toBeNull();
  });

  it('resumes after a halt and goes on once data is back', async () => {
    const healthy1 = T0 + 2 * MINUTE + HOUR;
    const gapUntil = healthy1 + HOUR;
    const gap = (region: string, at: number) => (region === 'ap-south-1' && at <= gapUntil ? null : 0.001);
    const { state, types } = await run(policyOf(), {
      errorRate: gap, approvals: approvedByTeam,
      inject: [{ type: 'resume', at: gapUntil + MINUTE, by: 'alice' }],
    });
    expect(types).toContain('release.halted');
    expect(types).toContain('release.resumed');
    expect(state.phase).toBe('completed');
  });
});

describe('approvals', () => {
  it('records and refuses an approval from someone who is not an approver; the ring keeps waiting', async () => {
    const { state, world } = await run(policyOf(), { approvals: { 'ring-3': [{ by: 'mallory', groups: ['dev'], after: MINUTE }] }, horizon: 2 * 86_400_000 });
    expect(state.phase).toBe('waiting');
    const rejected = state.events.find((e) => e.type === 'approval.rejected')!;
    expect(rejected.detail).toBe('mallory is not an approver of ring-3 (approvers: alice, group:release-team)');
    expect(world.log).not.toContain('deploy ring-3 v2');
  });

  it('accepts a listed user by name', async () => {
    const { state } = await run(policyOf(), { approvals: { 'ring-3': [{ by: 'alice', groups: [], after: MINUTE }] } });
    expect(state.phase).toBe('completed');
    expect(state.rings[3]!.approvedBy).toBe('alice');
  });
});

describe('people acting on a release', () => {
  it('rolls back every touched ring on request, downstream first', async () => {
    const { state, world } = await run(policyOf(), { inject: [{ type: 'rollback', at: T0 + 5 * HOUR, by: 'alice' }] });
    expect(state.phase).toBe('rolled-back');
    expect(world.log.filter((l) => l.startsWith('rollback'))).toEqual(['rollback ring-2 to v1', 'rollback ring-1 to v1', 'rollback ring-0 to v1']);
  });

  it('aborts without rolling anything back', async () => {
    const { state, world } = await run(policyOf(), { inject: [{ type: 'abort', at: T0 + 2 * HOUR, by: 'alice' }] });
    expect(state.phase).toBe('aborted');
    expect(world.log.some((l) => l.startsWith('rollback'))).toBe(false);
    expect(state.events.at(-1)).toMatchObject({ type: 'release.aborted', detail: 'by alice; nothing is rolled back' });
  });
});

describe('windows', () => {
  it('waits for business hours in every region of the ring and says where', async () => {
    const hours = BASE.replace('windows: { deploy: always }', 'windows: { deploy: business-hours }');
    // Monday 10:00 UTC is 15:30 in Kolkata: ring-1 may start at once after ring-0 (11:01 UTC = 16:31 IST);
    // ring-2 (London) becomes due at 13:03 UTC, inside London hours.
    const { state } = await run(policyOf(hours), { start: Date.parse('2026-03-02T02:00:00Z'), approvals: approvedByTeam });
    const waits = state.events.filter((e) => e.type === 'ring.waiting');
    expect(waits[0]).toMatchObject({ ring: 'ring-1' });
    expect(waits[0]!.detail).toMatch(/^outside business hours in ap-south-1 .*; next window 2026-03-02T03:30Z$/);
    expect(state.rings[1]!.deployedAt).toBe(Date.parse('2026-03-02T03:30:00Z'));
  });
});

describe('failover (traffic.failover: automatic)', () => {
  const automatic = BASE.replace('windows: { deploy: always }', 'windows: { deploy: always }\n  traffic: { failover: automatic }');
  const down = (from: number, to: number) => (region: string, at: number) => !(region === 'ap-south-1' && at >= from && at < to);

  it('drains a region in an outage when the others have the headroom, and restores it when it is back', async () => {
    const { state, world } = await run(policyOf(automatic), { regionUp: down(T0 + 30 * MINUTE, T0 + 2 * HOUR), approvals: approvedByTeam });
    const traffic = state.events.filter((e) => e.type.startsWith('traffic.') || e.type.startsWith('region.'));
    expect(traffic.map((e) => `${e.type} ${e.region}`)).toEqual(['region.down ap-south-1', 'traffic.drained ap-south-1', 'region.up ap-south-1', 'traffic.restored ap-south-1']);
    expect(traffic[1]!.detail).toBe('region outage; before: ap-south-1 0.25, eu-west-1 0.3, us-east-1 0.45; after: ap-south-1 0, eu-west-1 0.4, us-east-1 0.6');
    expect(world.weights).toEqual({ 'ap-south-1': 0.25, 'eu-west-1': 0.3, 'us-east-1': 0.45 });
    expect(state.phase).toBe('completed');
  });

  it('refuses to drain a region the others cannot absorb, and says why with the numbers', async () => {
    const tight = automatic.replace(/capacity: 1\.5/g, 'capacity: 1.1');
    const { state } = await run(policyOf(tight), { regionUp: down(T0 + 30 * MINUTE, T0 + 2 * HOUR), approvals: approvedByTeam });
    const refused = state.events.find((e) => e.type === 'traffic.drain.refused')!;
    expect(refused.region).toBe('ap-south-1');
    expect(refused.detail).toBe('draining ap-south-1 (25% of users) needs 0.25 of spare capacity; us-east-1 and eu-west-1 have 0.075 (us-east-1 0.045, eu-west-1 0.03)');
    expect(state.events.filter((e) => e.type === 'traffic.drain.refused')).toHaveLength(1);
  });
});

describe('data safety across versions', () => {
  const isolated = BASE.replace('windows: { deploy: always }', `windows: { deploy: always }
  data:
    pattern: region-isolated
    replication: { pause: { command: [pause-replication] }, resume: { command: [resume-replication] } }`);
  const flagged = BASE.replace('windows: { deploy: always }', `windows: { deploy: always }
  data:
    pattern: feature-flag
    featureFlag: { name: email-v2, enable: { command: [flagctl, enable] }, disable: { command: [flagctl, disable] } }`);

  it('pauses replication before the first production ring and resumes it when the last ring completes', async () => {
    const { state, types, world } = await run(policyOf(isolated), { approvals: approvedByTeam });
    expect(state.phase).toBe('completed');
    expect(types.slice(0, 6)).toEqual(['release.started', 'ring.deploy.started ring-0', 'ring.deploy.completed ring-0', 'ring.passed ring-0', 'replication.paused', 'ring.deploy.started ring-1']);
    expect(types.slice(-2)).toEqual(['replication.resumed', 'release.completed']);
    expect(world.log.filter((l) => l.startsWith('hook'))).toEqual(['hook replication.pause', 'hook replication.resume']);
  });

  it('resumes replication after a full rollback', async () => {
    const all = isolated.replace('onFailure: { rollback: [ring-1, ring-2] }', 'onFailure: { rollback: [ring-0, ring-1, ring-2] }');
    const { state, types } = await run(policyOf(all), { errorRate: (region) => (region === 'eu-west-1' ? 0.05 : 0.001) });
    expect(state.phase).toBe('rolled-back');
    expect(types.at(-1)).toBe('replication.resumed');
  });

  it('halts when a hook fails, before anything reaches production', async () => {
    const { state, world } = await run(policyOf(isolated), { failHooks: ['replication.pause'] });
    expect(state.phase).toBe('halted');
    expect(state.haltReason).toBe('hook replication.pause failed: replication.pause exited with status 1');
    expect(world.log).toEqual(['deploy ring-0 v2']);
  });

  it('enables the feature flag only after every ring passed its bake, and disables it first on a later rollback', async () => {
    const { state, types } = await run(policyOf(flagged), {
      approvals: approvedByTeam,
      inject: [{ type: 'rollback', at: T0 + 8 * HOUR, by: 'alice' }],
    });
    const enabled = types.indexOf('flag.enabled');
    expect(enabled).toBe(types.indexOf('ring.passed ring-3') + 1);
    expect(types.slice(types.indexOf('rollback.requested'), types.indexOf('rollback.requested') + 3)).toEqual(['rollback.requested', 'flag.disabled', 'ring.rollback.started ring-3']);
    expect(state.phase).toBe('rolled-back');
  });
});

describe('draining a failed ring (onFailure.drain)', () => {
  const draining = BASE.replace('onFailure: { rollback: [ring-1, ring-2] }', 'onFailure: { rollback: [ring-1, ring-2], drain: true }');

  it('drains the failed ring before its rollback, restores it after, and only then calls the release rolled back', async () => {
    const { state, types, world } = await run(policyOf(draining), { errorRate: (region) => (region === 'eu-west-1' ? 0.05 : 0.001) });
    expect(types.slice(types.indexOf('ring.failed ring-2'))).toEqual([
      'ring.failed ring-2', 'traffic.drained', 'ring.rollback.started ring-2', 'ring.rollback.completed ring-2',
      'ring.rollback.started ring-1', 'ring.rollback.completed ring-1', 'traffic.restored',
    ]);
    expect(state.phase).toBe('rolled-back');
    expect(state.completedAt).toBe(state.events.at(-1)!.at);
    expect(world.weights).toEqual({ 'ap-south-1': 0.25, 'eu-west-1': 0.3, 'us-east-1': 0.45 });
    expect(state.pendingTraffic).toEqual([]);
  });

  it('asks again, after a restart, for a drain whose result was never recorded', async () => {
    const { recoveryEffects } = await import('./recover.ts');
    const policy = policyOf(draining);
    const record: EngineInput[] = [];
    await run(policy, { errorRate: (region) => (region === 'eu-west-1' ? 0.05 : 0.001), record });
    // Replay up to the failure: the drain was asked for, its result not yet in.
    let state = null;
    for (const input of record) {
      state = decide(state, input, policy).state;
      if (state.events.some((e) => e.type === 'ring.failed')) break;
    }
    expect(state!.pendingTraffic).toEqual([{ action: 'drain', region: 'eu-west-1', cause: 'failure' }]);
    expect(recoveryEffects(state!, state!.events.at(-1)!.at)[0]).toEqual({ type: 'drain', region: 'eu-west-1', cause: 'failure' });
  });
});

describe('an approval from someone who is not an approver', () => {
  it('is refused as such (and recorded) even when the ring is not waiting for approval', () => {
    const policy = policyOf();
    const started = decide(null, { type: 'start', at: T0, versions: {}, release: { id: 'r', service: 's', version: 'v2', previousVersion: 'v1', changes: ['app'], schemaPhase: 'expand' } }, policy);
    const d = decide(started.state, { type: 'approval', at: T0, ring: 'ring-3', by: 'mallory', groups: [] }, policy);
    expect(d.rejected).toEqual({ kind: 'forbidden', message: 'mallory is not an approver of ring-3' });
    expect(d.state.events.at(-1)).toMatchObject({ type: 'approval.rejected', ring: 'ring-3' });
    const early = decide(started.state, { type: 'approval', at: T0, ring: 'ring-3', by: 'alice', groups: [] }, policy);
    expect(early.rejected).toEqual({ kind: 'conflict', message: 'ring "ring-3" is not waiting for approval (it is pending)' });
    expect(decide(started.state, { type: 'approval', at: T0, ring: 'ring-1', by: 'alice', groups: [] }, policy).rejected).toEqual({ kind: 'conflict', message: 'ring "ring-1" needs no approval' });
  });
});

describe('room to deploy (claims)', () => {
  const release = { id: 'r1', service: 'shop', version: 'v2', previousVersion: 'v1', changes: ['app' as const], schemaPhase: 'expand' as const };
  const policy = policyOf();
  const started = decide(null, { type: 'start', at: T0, release, versions: {} }, policy);

  it('asks for room before a ring deploys, and deploys when given it', () => {
    expect(started.effects).toEqual([{ type: 'claim', ring: 'ring-0' }]);
    expect(started.state.rings[0]!.status).toBe('waiting-window');
    const claimed = decide(started.state, { type: 'claimed', at: T0, ring: 'ring-0' }, policy);
    expect(claimed.effects).toEqual([{ type: 'deploy', ring: 'ring-0' }]);
    expect([claimed.state.rings[0]!.status, claimed.state.phase]).toEqual(['deploying', 'running']);
  });

  it('waits while held, says why once per reason, and asks again on a tick', () => {
    const held = decide(started.state, { type: 'held', at: T0, ring: 'ring-0', detail: 'frozen: incident' }, policy);
    expect([held.state.phase, held.effects, held.state.events.at(-1)]).toEqual(['waiting', [], { at: T0, type: 'ring.waiting', ring: 'ring-0', detail: 'frozen: incident' }]);
    const again = decide(held.state, { type: 'held', at: T0 + MINUTE, ring: 'ring-0', detail: 'frozen: incident' }, policy);
    expect(again.state.events).toHaveLength(held.state.events.length);
    const other = decide(again.state, { type: 'held', at: T0 + MINUTE, ring: 'ring-0', detail: 'region busy: internal has 2 releases deploying or baking' }, policy);
    expect(other.state.events.at(-1)?.detail).toBe('region busy: internal has 2 releases deploying or baking');
    expect(decide(other.state, { type: 'tick', at: T0 + 2 * MINUTE }, policy).effects).toContainEqual({ type: 'claim', ring: 'ring-0' });
  });

  it('ignores an answer for a ring it is not about to deploy, or after the release ended', () => {
    expect(decide(started.state, { type: 'claimed', at: T0, ring: 'ring-1' }, policy).effects).toEqual([]);
    const aborted = decide(started.state, { type: 'abort', at: T0, by: 'olga' }, policy);
    expect(decide(aborted.state, { type: 'claimed', at: T0, ring: 'ring-0' }, policy).effects).toEqual([]);
  });
});
