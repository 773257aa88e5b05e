/** @module Every example scenario twice: once simulated, once with the gates reading a real
 * Prometheus loaded with that simulation's metrics (`simulate --export-openmetrics` → promtool →
 * prometheus). The release must go exactly the same way: the same events at the same times with the
 * same details, hence the same first failing evaluation (time and gate), halt, or pass.
 *
 * Why the whole engine and not backtest: the second run drives the real engine in virtual time with
 * the simulated fleet for delivery, health, traffic and approvals and PrometheusMetrics for every
 * gate reading, so every ring, its real deploy and healthy times, the baseline regions of the moment,
 * extensions after a bake and halts are judged by the same code as in the simulation; only where the
 * numbers come from differs. The exported history is what the simulated run produced, so it stays
 * true for the second run only as long as the two agree; a first divergence would still show as a
 * different event, which is what is compared. (backtest itself is checked against the engine over the
 * same scenarios in src/runtime/backtest.test.ts, and against Prometheus in prometheus.test.ts.)
 *
 * One Prometheus serves every scenario: each scenario's export carries the label scenario="<file
 * name>" and its policy's queries select that label, so every query reads its own scenario's
 * history and no other (the scenarios cover the same days). The scenarios are simulated one after
 * another, each history turned into blocks while the next is simulated; then the server starts and
 * the scenarios run concurrently against it.
 * Fails when CI=true and Prometheus is missing; elsewhere it is skipped with one warning.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PrometheusMetrics } from '../../src/adapters/prometheus/metrics.ts';
import { SimulatedClock } from '../../src/runtime/simulated-clock.ts';
import { runInVirtualTime } from '../../src/runtime/virtual-run.ts';
import { runSimulation } from '../../src/runtime/simulate.ts';
import { createFleet } from '../../src/sim/fleet.ts';
import { exportOpenMetrics } from '../../src/sim/openmetrics.ts';
import { loadScenario } from '../../src/sim/scenario.ts';
import { MINUTE, HOUR, describePrometheus, examplePolicy, selectingLabels, startPrometheus, uncompressedFetch, withLabels, type PrometheusInstance } from './support/prometheus.ts';

const SCENARIOS = new URL('../../examples/scenarios/', import.meta.url);
const files = readdirSync(SCENARIOS).filter((f) => f.endsWith('.yaml')).sort();

/** The label that tells the scenarios apart in the one server: the scenario's file name. */
const labelsOf = (file: string) => ({ scenario: file.replace(/\.yaml$/, '') });

/** The example policy on `url`, its queries reading only `file`'s history. */
function scenarioPolicy(url: string, file: string) {
  const queries = examplePolicy(url).policy.spec.metrics.prometheus!.queries;
  const scoped = selectingLabels(queries, labelsOf(file));
  return examplePolicy(url, Object.entries(scoped).map(([metric, query]) => [['spec', 'metrics', 'prometheus', 'queries', metric], query]));
}

async function simulate(file: string) {
  const { policy: simulated } = examplePolicy('http://127.0.0.1:9'); // the simulator ignores the URL
  const { scenario } = loadScenario(readFileSync(new URL(file, SCENARIOS), 'utf8'), file, simulated);
  const sim = await runSimulation(simulated, scenario);
  const text = await exportOpenMetrics(simulated, scenario, sim, scenario.spec.start, sim.endedAt);
  return { scenario, sim, text: withLabels(text, labelsOf(file)) };
}

describePrometheus('example scenarios: the gates on Prometheus decide as the simulation did', () => {
  const runs = new Map<string, Omit<Awaited<ReturnType<typeof simulate>>, 'text'>>();
  let prom: PrometheusInstance | undefined;

  beforeAll(async () => {
    // Each scenario's history goes to promtool as soon as it is simulated, while the next one is.
    async function* histories() {
      for (const file of files) {
        const { text, ...run } = await simulate(file);
        runs.set(file, run);
        yield text;
      }
    }
    // One block per scenario where it fits (162 h), so a gate's query opens one block, not one per 2 hours.
    prom = await startPrometheus(histories(), { maxBlockDuration: '162h' });
  }, 300_000);

  afterAll(async () => {
    await prom?.dispose();
  });

  it('has scenarios to compare', () => {
    expect(files.length).toBeGreaterThanOrEqual(7);
  });

  for (const file of files) {
    it(`${file}`, async () => {
      const { scenario, sim } = runs.get(file)!;
      const { policy } = scenarioPolicy(prom!.url, file);
      // About 19,000 small queries in all: uncompressed answers halve their cost.
      const metrics = new PrometheusMetrics(policy, { fetch: uncompressedFetch });

      // The same questions get the same answers (the port contract), to float precision, except
      // for a window only partly covered by data (a gap or an outage): the simulator answers "no
      // data" when fewer than half of its minutes have data, Prometheus answers from the minutes
      // there are. No gate of these scenarios reads such a window; the probes show where they differ.
      const probes = sim.state.rings.flatMap((r, i) => (r.healthyAt === null ? [] : [{ ring: policy.spec.rings[i]!, t: r.healthyAt + HOUR }]));
      const partial: string[] = [];
      for (const { ring, t } of probes.filter((p) => p.t <= sim.endedAt)) {
        for (const region of policy.spec.regions.map((r) => r.name)) {
          for (const [metric, window] of [['error_rate', 5 * MINUTE], ['p99_latency_ms', 5 * MINUTE], ['error_rate', HOUR], ['memory', 50 * MINUTE]] as const) {
            const q = { metric, region, ring: ring.name, version: scenario.spec.release.version };
            const where = `${metric} ${region} over ${window / MINUTE}m to ${new Date(t).toISOString()}`;
            const expected = await sim.metrics.value(q, t - window, t);
            const got = await metrics.value(q, t - window, t);
            const minutesWithData = (await sim.metrics.series(q, t - window, t, MINUTE)).length;
            if (expected === null && minutesWithData > 0) {
              partial.push(where);
              expect(got, where).not.toBeNull();
            } else if (expected === null) {
              expect(got, where).toBeNull();
            } else {
              expect(Math.abs(got! - expected), where).toBeLessThan(1e-9 * Math.max(1, Math.abs(expected)));
            }
          }
        }
      }
      const noData = scenario.spec.faults.some((f) => f.kind === 'outage' || f.kind === 'metrics-gap');
      if (!noData) expect(partial).toEqual([]);

      // The release again: the fleet does the rest, Prometheus answers every gate.
      const clock = new SimulatedClock(scenario.spec.start);
      const fleet = createFleet(policy, scenario, clock);
      const { state } = await runInVirtualTime(
        policy,
        {
          type: 'start',
          at: scenario.spec.start,
          versions: {},
          release: {
            id: `sim-${scenario.metadata.name}-${scenario.spec.seed}`,
            service: policy.spec.service.name,
            version: scenario.spec.release.version,
            previousVersion: scenario.spec.release.previous,
            changes: scenario.spec.release.changes,
            schemaPhase: scenario.spec.release.schemaPhase,
          },
        },
        { delivery: fleet, health: fleet, metrics, traffic: fleet, hooks: fleet, approvalsFor: (r) => fleet.approvalsFor(r) },
        clock,
        scenario.spec.start + scenario.spec.horizon,
      );

      const firstDecision = (s: typeof state) => {
        const failed = s.events.find((e) => e.type === 'ring.failed');
        const halted = s.events.find((e) => e.type === 'release.halted');
        if (failed) return { verdict: 'failed', at: new Date(failed.at).toISOString(), gate: s.detection?.gate ?? null, ring: failed.ring };
        if (halted) return { verdict: 'halted', at: new Date(halted.at).toISOString(), detail: halted.detail };
        return { verdict: s.phase === 'completed' ? 'passed' : s.phase };
      };
      expect(firstDecision(state)).toEqual(firstDecision(sim.state));
      expect(state.phase).toBe(sim.state.phase);
      expect(state.rings.map((r) => [r.name, r.verdict, r.healthyAt, r.bakeUntil])).toEqual(sim.state.rings.map((r) => [r.name, r.verdict, r.healthyAt, r.bakeUntil]));
      expect(state.events).toEqual(sim.state.events);
    }, 300_000);
  }
}, { concurrent: true });
