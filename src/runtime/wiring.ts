/**
 * @module Which implementation serves each port, from the policy: GitOps or simulated delivery,
 * Argo CD or simulated health, Prometheus or simulated metrics, HAProxy or simulated traffic, real
 * hooks. Simulated providers share one simulated fleet that runs on the given clock. With GitOps
 * delivery but simulated health, the fleet applies each commit as Argo CD would. Also the metrics a
 * backtest reads recorded history from.
 */
import { join } from 'node:path';
import { ArgoCdHealth } from '../adapters/argocd/index.ts';
import { GitOpsDelivery } from '../adapters/gitops/index.ts';
import { HaproxyTraffic } from '../adapters/haproxy/index.ts';
import { HookRunner } from '../adapters/hooks/hooks.ts';
import { PrometheusMetrics } from '../adapters/prometheus/metrics.ts';
import { UsageError } from '../errors.ts';
import { loadPolicy } from '../policy/load.ts';
import type { Policy } from '../policy/schema.ts';
import type { Clock, Delivery, Health, Metrics } from '../ports.ts';
import { createFleet, type Fleet } from '../sim/fleet.ts';
import { loadScenario, type Scenario } from '../sim/scenario.ts';
import { DEMO_POLICY, DEMO_POLICY_FILE } from './demo-default.ts';
import type { RuntimePorts } from './effects.ts';
import { SimulatedApply } from './simulated-apply.ts';

export interface Wiring {
  ports: RuntimePorts;
  /** The simulated fleet, when any provider is simulated. */
  fleet: Fleet | null;
  /** One line per port: which implementation serves it. */
  describe: string[];
}

/** A quiet fleet (no faults) starting now, for `serve` on simulated providers without --scenario. */
export function quietScenario(policy: Policy, start: number, previous = 'v0.0.0'): Scenario {
  const text = `apiVersion: meridian.dev/v1alpha1
kind: Scenario
metadata: { name: quiet }
spec:
  start: "${new Date(start - (start % 60_000)).toISOString()}"
  horizon: 3650d
  release: { version: any-new-version, previous: ${previous} }
`;
  return loadScenario(text, 'quiet-scenario.yaml', policy).scenario;
}

export interface WiringOptions {
  clock: Clock;
  /** The simulated fleet's scenario (its start is moved to now). */
  scenario?: Scenario;
  /** Where GitOps delivery keeps its working clone. */
  workDir: string;
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

export function wirePorts(policy: Policy, opts: WiringOptions): Wiring {
  const spec = policy.spec;
  const simulatedNeeded = !spec.delivery.gitops || spec.delivery.health.provider === 'simulated' || spec.metrics.provider === 'simulated' || spec.traffic.provider === 'simulated';
  let fleet: Fleet | null = null;
  if (simulatedNeeded) {
    const now = opts.clock.now();
    const base = opts.scenario ?? quietScenario(policy, now);
    const scenario: Scenario = { ...base, spec: { ...base.spec, start: now - (now % 60_000) } };
    fleet = createFleet(policy, scenario, opts.clock);
  }
  const describe: string[] = [];
  let delivery: Delivery;
  let health: Health;
  if (spec.delivery.gitops) {
    const gitops = new GitOpsDelivery(policy, { workDir: join(opts.workDir, 'gitops'), ...(opts.env ? { env: opts.env } : {}), ...(opts.log ? { logger: opts.log } : {}) });
    if (spec.delivery.health.provider === 'argocd') {
      delivery = gitops;
      health = new ArgoCdHealth(policy, opts.env ? { env: opts.env } : {});
      describe.push(`delivery: GitOps (${spec.delivery.gitops.approach}) at ${spec.delivery.gitops.repo}`, `health: Argo CD at ${spec.delivery.health.argocd?.url}`);
    } else {
      const stepOf = async (ref: string): Promise<'deploy' | 'rollback' | null> => {
        const commit = (await gitops.history(200)).find((c) => c.id === ref);
        const step = commit?.step?.split('/')[1];
        return step === 'deploy' || step === 'rollback' ? step : null;
      };
      const applied = new SimulatedApply(gitops, fleet!, stepOf);
      delivery = applied;
      health = applied;
      describe.push(`delivery: GitOps (${spec.delivery.gitops.approach}) at ${spec.delivery.gitops.repo}`, 'health: simulated fleet applying each commit');
    }
  } else {
    delivery = fleet!;
    health = spec.delivery.health.provider === 'argocd' ? new ArgoCdHealth(policy, opts.env ? { env: opts.env } : {}) : fleet!;
    describe.push('delivery: simulated fleet', `health: ${spec.delivery.health.provider === 'argocd' ? 'Argo CD' : 'simulated fleet'}`);
  }
  const metrics = spec.metrics.provider === 'prometheus' ? new PrometheusMetrics(policy, opts.env ? { env: opts.env } : {}) : fleet!;
  describe.push(`metrics: ${spec.metrics.provider === 'prometheus' ? `Prometheus at ${spec.metrics.prometheus?.url}` : 'simulated fleet'}`);
  const traffic = spec.traffic.provider === 'haproxy' ? HaproxyTraffic.fromPolicy(policy) : fleet!;
  describe.push(`traffic: ${spec.traffic.provider === 'haproxy' ? `HAProxy at ${spec.traffic.haproxy?.socket}` : 'simulated fleet'}`);
  const hooks = new HookRunner(opts.env ? { env: opts.env } : {});
  return { ports: { delivery, health, metrics, traffic, hooks }, fleet, describe };
}

/** The embedded default policy (the demo's three regions), for `serve` without --policy. */
export function defaultPolicy(): { policy: Policy; text: string; file: string } {
  return { policy: loadPolicy(DEMO_POLICY, DEMO_POLICY_FILE).policy, text: DEMO_POLICY, file: DEMO_POLICY_FILE };
}

/**
 * The metrics a backtest reads (`meridian backtest`): the policy's Prometheus. The simulated fleet
 * has no recorded history to test against: a UsageError naming `file` says so.
 */
export function historyMetrics(policy: Policy, file: string, env?: NodeJS.ProcessEnv): Metrics {
  if (policy.spec.metrics.provider !== 'prometheus') {
    throw new UsageError(
      `backtest needs provider prometheus: ${file} has spec.metrics.provider ${policy.spec.metrics.provider}, which has no recorded history (see examples/prometheus/webapp-prometheus.yaml)`,
    );
  }
  return new PrometheusMetrics(policy, env ? { env } : {});
}
