/**
 * @module Cross-field rules of a ReleasePolicy that a per-field schema cannot express: user shares
 * sum to 1, every region is in exactly one ring, references to gates, rings and regions exist,
 * ranges are ordered, each provider has its settings. Returns issues; never throws.
 */
import type { Issue } from './source.ts';
import { didYouMean } from './source.ts';
import { SIMULATED_METRICS, type Hook, type Policy } from './schema.ts';

const SHARE_TOLERANCE = 0.01;

function unknownName(kind: string, name: string, known: readonly string[]): string {
  const guess = didYouMean(name, known);
  return `${kind} "${name}" is not defined${guess ? ` (did you mean "${guess}"?)` : known.length ? ` (known: ${known.join(', ')})` : ''}`;
}

function checkHook(hook: Hook, path: (string | number)[]): Issue[] {
  const n = (hook.command ? 1 : 0) + (hook.webhook ? 1 : 0);
  return n === 1 ? [] : [{ path, message: 'a hook is either { command: [...] } or { webhook: { url } }, exactly one' }];
}

export function checkPolicy(policy: Policy): Issue[] {
  const spec = policy.spec;
  const issues: Issue[] = [];

  // Regions
  const regionIndex = new Map<string, number>();
  const clusterOwner = new Map<string, string>();
  spec.regions.forEach((r, i) => {
    if (regionIndex.has(r.name)) issues.push({ path: ['spec', 'regions', i, 'name'], message: `region "${r.name}" is defined twice` });
    else regionIndex.set(r.name, i);
    if (r.internal && r.userShare !== undefined && r.userShare > 0) {
      issues.push({ path: ['spec', 'regions', i, 'userShare'], message: 'an internal region has no user share (remove it, or set internal: false)' });
    }
    if (!r.internal && r.userShare === undefined) {
      issues.push({ path: ['spec', 'regions', i], message: `production region "${r.name}" needs a userShare` });
    }
    if (r.businessHours.start >= r.businessHours.end) {
      issues.push({ path: ['spec', 'regions', i, 'businessHours', 'end'], message: 'business hours must end after they start (same day, local time)' });
    }
    r.clusters.forEach((c, j) => {
      const owner = clusterOwner.get(c.name);
      if (owner !== undefined) issues.push({ path: ['spec', 'regions', i, 'clusters', j, 'name'], message: `cluster "${c.name}" is already in region "${owner}"` });
      else clusterOwner.set(c.name, r.name);
    });
  });
  const production = spec.regions.filter((r) => !r.internal);
  if (production.length > 0 && production.every((r) => r.userShare !== undefined)) {
    const sum = production.reduce((s, r) => s + (r.userShare ?? 0), 0);
    if (Math.abs(sum - 1) > SHARE_TOLERANCE) {
      issues.push({
        path: ['spec', 'regions'],
        message: `production userShare must sum to 1 (±${SHARE_TOLERANCE}); it sums to ${Number(sum.toFixed(4))} (${production.map((r) => `${r.name} ${r.userShare}`).join(' + ')})`,
      });
    }
  }

  // Rings
  const ringIndex = new Map<string, number>();
  const regionRing = new Map<string, string>();
  const regionNames = [...regionIndex.keys()];
  const gateNames = Object.keys(spec.gates);
  spec.rings.forEach((ring, i) => {
    if (ringIndex.has(ring.name)) issues.push({ path: ['spec', 'rings', i, 'name'], message: `ring "${ring.name}" is defined twice` });
    else ringIndex.set(ring.name, i);
    ring.regions.forEach((name, j) => {
      const p = ['spec', 'rings', i, 'regions', j];
      if (!regionIndex.has(name)) issues.push({ path: p, message: unknownName('region', name, regionNames) });
      const prev = regionRing.get(name);
      if (prev !== undefined) issues.push({ path: p, message: `region "${name}" is already in ring "${prev}" (every region is in exactly one ring)` });
      else regionRing.set(name, ring.name);
    });
    ring.gates.forEach((g, j) => {
      if (!(g in spec.gates)) issues.push({ path: ['spec', 'rings', i, 'gates', j], message: unknownName('gate', g, gateNames) });
    });
  });
  for (const name of regionNames) {
    if (!regionRing.has(name)) issues.push({ path: ['spec', 'regions', regionIndex.get(name)!, 'name'], message: `region "${name}" is in no ring (every region is in exactly one ring)` });
  }
  const ringNames = [...ringIndex.keys()];
  spec.rings.forEach((ring, i) => {
    (ring.onFailure.rollback ?? []).forEach((name, j) => {
      if (!ringIndex.has(name)) issues.push({ path: ['spec', 'rings', i, 'onFailure', 'rollback', j], message: unknownName('ring', name, ringNames) });
    });
  });

  // Gates
  const metricNames: readonly string[] =
    spec.metrics.provider === 'prometheus' ? Object.keys(spec.metrics.prometheus?.queries ?? {}) : SIMULATED_METRICS;
  const metricSource = spec.metrics.provider === 'prometheus' ? 'spec.metrics.prometheus.queries' : 'the simulated metrics';
  const metricsKnown = spec.metrics.provider !== 'prometheus' || spec.metrics.prometheus !== undefined;
  for (const [name, gate] of Object.entries(spec.gates)) {
    const p = ['spec', 'gates', name];
    if (gate.metric !== undefined && gate.compare !== undefined) issues.push({ path: p, message: 'a gate has either metric (threshold) or compare, not both' });
    if (gate.metric === undefined && gate.compare === undefined) issues.push({ path: p, message: 'a gate needs metric (with max and/or min) or compare' });
    if (gate.metric !== undefined) {
      if (gate.max === undefined && gate.min === undefined) issues.push({ path: p, message: 'a threshold gate needs max and/or min' });
      if (gate.max !== undefined && gate.min !== undefined && gate.min > gate.max) issues.push({ path: [...p, 'min'], message: `min (${gate.min}) is above max (${gate.max})` });
      if (metricsKnown && !metricNames.includes(gate.metric)) issues.push({ path: [...p, 'metric'], message: `${unknownName('metric', gate.metric, metricNames)} in ${metricSource}` });
    }
    if (gate.compare !== undefined) {
      if (gate.max !== undefined || gate.min !== undefined) issues.push({ path: p, message: 'a comparison gate takes maxIncrease/maxRatio inside compare, not max/min' });
      if (gate.evaluate === 'whole-bake') issues.push({ path: [...p, 'evaluate'], message: 'evaluate applies to threshold gates only' });
      if (metricsKnown && !metricNames.includes(gate.compare.metric)) issues.push({ path: [...p, 'compare', 'metric'], message: `${unknownName('metric', gate.compare.metric, metricNames)} in ${metricSource}` });
      const b = gate.compare.baseline;
      if (b !== 'stable-regions' && !regionIndex.has(b)) issues.push({ path: [...p, 'compare', 'baseline'], message: `baseline is "stable-regions" or a region; ${unknownName('region', b, regionNames)}` });
    }
    if (gate.interval <= 0) issues.push({ path: [...p, 'interval'], message: 'interval must be longer than 0m' });
  }

  // Windows
  spec.windows.freeze.forEach((f, i) => {
    if (f.to <= f.from) issues.push({ path: ['spec', 'windows', 'freeze', i, 'to'], message: 'a freeze must end after it starts' });
  });

  // Providers and their settings
  if (spec.metrics.provider === 'prometheus' && !spec.metrics.prometheus) issues.push({ path: ['spec', 'metrics'], message: 'provider prometheus needs a prometheus: { url, queries } section' });
  const g = spec.delivery.gitops;
  if (g) {
    if ((g.approach === 'applicationset-revision' || g.approach === 'sync-wave') && !g.applicationSet) {
      issues.push({ path: ['spec', 'delivery', 'gitops'], message: `approach ${g.approach} needs applicationSet (the path of the ApplicationSet file in the repo)` });
    }
    if (g.approach === 'kustomize-overlay') {
      if (!g.overlays) issues.push({ path: ['spec', 'delivery', 'gitops'], message: 'approach kustomize-overlay needs overlays (e.g. deploy/overlays/{{ring}})' });
      if (!g.image) issues.push({ path: ['spec', 'delivery', 'gitops'], message: 'approach kustomize-overlay needs image (the image name whose tag is set)' });
    }
  }
  if (spec.delivery.health.provider === 'argocd' && !spec.delivery.health.argocd) issues.push({ path: ['spec', 'delivery', 'health'], message: 'provider argocd needs an argocd: { url, application } section' });
  if (spec.traffic.provider === 'haproxy' && !spec.traffic.haproxy) issues.push({ path: ['spec', 'traffic'], message: 'provider haproxy needs a haproxy: { socket } section' });

  // Data
  const data = spec.data;
  if (data.pattern === 'region-isolated' && !data.replication) issues.push({ path: ['spec', 'data'], message: 'pattern region-isolated needs replication: { pause, resume } hooks' });
  if (data.pattern === 'feature-flag' && !data.featureFlag) issues.push({ path: ['spec', 'data'], message: 'pattern feature-flag needs featureFlag: { name, enable, disable }' });
  if (data.replication) {
    issues.push(...checkHook(data.replication.pause, ['spec', 'data', 'replication', 'pause']));
    issues.push(...checkHook(data.replication.resume, ['spec', 'data', 'replication', 'resume']));
  }
  if (data.featureFlag) {
    issues.push(...checkHook(data.featureFlag.enable, ['spec', 'data', 'featureFlag', 'enable']));
    issues.push(...checkHook(data.featureFlag.disable, ['spec', 'data', 'featureFlag', 'disable']));
  }
  return issues;
}
