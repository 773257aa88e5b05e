/**
 * @module Carries out an evaluate-gates effect: reads the metrics each check needs through the
 * Metrics port and judges them with the pure evaluators of src/gates. A provider failure becomes an
 * inconclusive evaluation, never a pass.
 */
import { compareSamples } from '../gates/comparison.ts';
import { checkThreshold } from '../gates/threshold.ts';
import type { Evaluation } from '../gates/types.ts';
import type { GateCheck } from '../engine/types.ts';
import type { Policy } from '../policy/schema.ts';
import type { Metrics, MetricQuery } from '../ports.ts';

const SAMPLE_STEP_MS = 60_000;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export interface GateRunContext {
  policy: Policy;
  metrics: Metrics;
  ring: string;
  version: string;
  previousVersion: string;
}

async function runCheck(ctx: GateRunContext, check: GateCheck): Promise<Evaluation> {
  const gate = ctx.policy.spec.gates[check.gate];
  if (!gate) throw new Error(`gate ${check.gate} is not in the policy`);
  const q = (metric: string, region: string, version: string): MetricQuery => ({ metric, region, ring: ctx.ring, version });
  if (check.kind === 'compare' && gate.compare) {
    const baselineRegions = check.baselineRegions ?? [];
    if (baselineRegions.length === 0) {
      return {
        gate: check.gate, region: check.region, at: check.to, kind: 'compare', result: 'inconclusive', value: null,
        detail: `no baseline: no other production region still runs ${ctx.previousVersion}`,
      };
    }
    // Samples are whole steps: in real time a check rarely falls on a minute boundary.
    const from = Math.ceil(check.from / SAMPLE_STEP_MS) * SAMPLE_STEP_MS;
    const to = Math.floor(check.to / SAMPLE_STEP_MS) * SAMPLE_STEP_MS;
    try {
      const canary = await ctx.metrics.series(q(gate.compare.metric, check.region, ctx.version), from, to, SAMPLE_STEP_MS);
      const baseline: number[] = [];
      for (const b of baselineRegions) baseline.push(...(await ctx.metrics.series(q(gate.compare.metric, b, ctx.previousVersion), from, to, SAMPLE_STEP_MS)));
      return compareSamples(check.gate, gate, check.region, check.to, canary, baseline);
    } catch (e) {
      return { gate: check.gate, region: check.region, at: check.to, kind: 'compare', result: 'inconclusive', value: null, detail: message(e) };
    }
  }
  const metric = gate.metric ?? '';
  const kind = check.kind === 'hour' ? 'hour' : 'interval';
  let value: number | null | { error: string };
  try {
    value = await ctx.metrics.value(q(metric, check.region, ctx.version), check.from, check.to);
  } catch (e) {
    value = { error: message(e) };
  }
  const ev = checkThreshold(check.gate, gate, check.region, check.to, kind, value);
  return ev;
}

export async function runGateChecks(ctx: GateRunContext, checks: GateCheck[]): Promise<Evaluation[]> {
  const out: Evaluation[] = [];
  for (const c of checks) out.push(await runCheck(ctx, c));
  return out;
}
