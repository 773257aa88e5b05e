/**
 * @module Cross-field rules of a ReleasePolicy that a per-field schema cannot express: user shares
 * sum to 1, every region is in exactly one ring, references to gates, rings and regions exist,
 * ranges are ordered, each provider has its settings. Runs on a draft (whatever parts of the
 * document parsed, see draft.ts), so a file with schema errors gets these errors too: a rule
 * whose input failed the schema stays silent rather than repeat or guess. Returns issues; never
 * throws. Linear in regions and rings.
 */
import { NO_FAILURES, type Draft, type Failures } from './draft.ts';
import type { Issue, Path } from './source.ts';
import { didYouMean, listSome } from './source.ts';
import { checkNotifications } from './notifications.ts';
import { checkResidency } from './residency-check.ts';
import { SIMULATED_METRICS, type Gate, type Hook, type Policy } from './schema.ts';

const SHARE_TOLERANCE = 0.01;

/** `gate "x" is not defined (did you mean "y"?)`, or the known names when none is close. */
export function unknownName(kind: string, name: string, known: readonly string[]): string {
  const guess = didYouMean(name, known);
  return `${kind} "${name}" is not defined${guess ? ` (did you mean "${guess}"?)` : known.length ? ` (known: ${listSome(known)})` : ''}`;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number';
const has = (record: object, key: string): boolean => Object.hasOwn(record, key);

function checkHook(hook: Draft<Hook>, path: Path, failures: Failures): Issue[] {
  const given = (k: keyof Hook): boolean => hook[k] !== undefined || failures.has([...path, k]);
  const n = (given('command') ? 1 : 0) + (given('webhook') ? 1 : 0);
  return n === 1 ? [] : [{ path, message: 'a hook is either { command: [...] } or { webhook: { url } }, exactly one' }];
}

/**
 * A critical bound is never tighter than the ordinary one on its side (criticalMax ≥ max,
 * criticalMin ≤ min), nor beyond the bound on the other side when that side has no ordinary bound
 * of its own (criticalMax below min, criticalMin above max): every reading would fail.
 */
function checkCriticalBounds(gate: Draft<Gate>, p: Path): Issue[] {
  const issues: Issue[] = [];
  const { max, min, criticalMax, criticalMin } = gate;
  if (isNumber(criticalMax)) {
    if (isNumber(max) && criticalMax < max) issues.push({ path: [...p, 'criticalMax'], message: `criticalMax (${criticalMax}) is below max (${max})` });
    else if (!isNumber(max) && isNumber(min) && criticalMax < min) issues.push({ path: [...p, 'criticalMax'], message: `criticalMax (${criticalMax}) is below min (${min})` });
  }
  if (isNumber(criticalMin)) {
    if (isNumber(min) && criticalMin > min) issues.push({ path: [...p, 'criticalMin'], message: `criticalMin (${criticalMin}) is above min (${min})` });
    else if (!isNumber(min) && isNumber(max) && criticalMin > max) issues.push({ path: [...p, 'criticalMin'], message: `criticalMin (${criticalMin}) is above max (${max})` });
  }
  return issues;
}

/**
 * The cross-field issues of a policy, or of the draft of one. `failures` says which fields failed
 * the schema (none for a parsed policy). A Fleet is checked as a draft holding only its
 * `spec.regions`, `spec.windows` and `spec.notifications` (fleet.ts): with no rings, gates or
 * providers, only the region, window and notification rules speak.
 */
export function checkPolicy(policy: Draft<Policy>, failures: Failures = NO_FAILURES): Issue[] {
  const spec = policy.spec;
  if (!spec) return [];
  const issues: Issue[] = [];
  const regions = spec.regions ?? [];
  const rings = spec.rings ?? [];

  // Regions
  const regionIndex = new Map<string, number>();
  const clusterOwner = new Map<string, string>();
  /** Every region has a name: only then is a reference to an unknown region certainly wrong. */
  const regionNamesKnown = spec.regions !== undefined && regions.every((r) => isString(r?.name));
  regions.forEach((r, i) => {
    if (!r) return;
    const at = ['spec', 'regions', i];
    const name = isString(r.name) ? r.name : undefined;
    if (name !== undefined) {
      if (regionIndex.has(name)) issues.push({ path: [...at, 'name'], message: `region "${name}" is defined twice` });
      else regionIndex.set(name, i);
    }
    if (r.internal === true && isNumber(r.userShare) && r.userShare > 0) {
      issues.push({ path: [...at, 'userShare'], message: 'an internal region has no user share (remove it, or set internal: false)' });
    }
    if (r.internal === false && r.userShare === undefined && !failures.has([...at, 'userShare'])) {
      issues.push({ path: at, message: name !== undefined ? `production region "${name}" needs a userShare` : 'a production region needs a userShare' });
    }
    const hours = r.businessHours;
    if (hours && isNumber(hours.start) && isNumber(hours.end) && hours.start >= hours.end) {
      issues.push({ path: [...at, 'businessHours', 'end'], message: 'business hours must end after they start (same day, local time)' });
    }
    (r.clusters ?? []).forEach((c, j) => {
      if (!c || !isString(c.name) || name === undefined) return;
      const owner = clusterOwner.get(c.name);
      if (owner !== undefined) issues.push({ path: [...at, 'clusters', j, 'name'], message: `cluster "${c.name}" is already in region "${owner}"` });
      else clusterOwner.set(c.name, name);
    });
  });
  // The sum is judged only when every region says whether it is internal and every production region has a share.
  const production = regions.filter((r) => r?.internal === false);
  const sharesKnown = regionNamesKnown && regions.every((r) => typeof r?.internal === 'boolean') && production.every((r) => isNumber(r?.userShare));
  if (sharesKnown && production.length > 0) {
    const sum = production.reduce((s, r) => s + (r?.userShare ?? 0), 0);
    if (Math.abs(sum - 1) > SHARE_TOLERANCE) {
      issues.push({
        path: ['spec', 'regions'],
        message: `production userShare must sum to 1 (±${SHARE_TOLERANCE}); it sums to ${Number(sum.toFixed(4))} (${listSome(production.map((r) => `${r?.name} ${r?.userShare}`), { separator: ' + ' })})`,
      });
    }
  }

  // Rings
  const ringIndex = new Map<string, number>();
  const regionRing = new Map<string, string>();
  const regionNames = [...regionIndex.keys()];
  /** Every ring's region list parsed: only then is a region in no ring certainly in none. */
  let ringRegionsKnown = spec.rings !== undefined;
  const ringNamesKnown = spec.rings !== undefined && rings.every((r) => isString(r?.name));
  /** Gate references are judged only when spec.gates itself parsed (a misspelt `gates:` leaves the default, empty). */
  const gates = failures.at(['spec', 'gates']) ? undefined : spec.gates;
  const gateNames = gates ? Object.keys(gates) : [];
  rings.forEach((ring, i) => {
    if (!ring) {
      ringRegionsKnown = false;
      return;
    }
    const at = ['spec', 'rings', i];
    const label = isString(ring.name) ? `ring "${ring.name}"` : `spec.rings[${i}]`;
    if (isString(ring.name)) {
      if (ringIndex.has(ring.name)) issues.push({ path: [...at, 'name'], message: `ring "${ring.name}" is defined twice` });
      else ringIndex.set(ring.name, i);
    }
    if (!Array.isArray(ring.regions)) ringRegionsKnown = false;
    (ring.regions ?? []).forEach((name, j) => {
      if (!isString(name)) {
        ringRegionsKnown = false;
        return;
      }
      const p = [...at, 'regions', j];
      if (regionNamesKnown && !regionIndex.has(name)) issues.push({ path: p, message: unknownName('region', name, regionNames) });
      const prev = regionRing.get(name);
      if (prev !== undefined) issues.push({ path: p, message: `region "${name}" is already in ${prev} (every region is in exactly one ring)` });
      else regionRing.set(name, label);
    });
    if (gates) {
      (ring.gates ?? []).forEach((g, j) => {
        if (isString(g) && !has(gates, g)) issues.push({ path: [...at, 'gates', j], message: unknownName('gate', g, gateNames) });
      });
    }
  });
  if (ringRegionsKnown) {
    for (const [name, i] of regionIndex) {
      if (!regionRing.has(name)) issues.push({ path: ['spec', 'regions', i, 'name'], message: `region "${name}" is in no ring (every region is in exactly one ring)` });
    }
  }
  if (ringNamesKnown) {
    const ringNames = [...ringIndex.keys()];
    rings.forEach((ring, i) => {
      (ring?.onFailure?.rollback ?? []).forEach((name, j) => {
        if (isString(name) && !ringIndex.has(name)) issues.push({ path: ['spec', 'rings', i, 'onFailure', 'rollback', j], message: unknownName('ring', name, ringNames) });
      });
    });
  }

  // Gates
  const metrics = spec.metrics;
  const provider = metrics?.provider;
  const queries = metrics?.prometheus?.queries;
  const metricNames: readonly string[] = provider === 'prometheus' ? Object.keys(queries ?? {}) : SIMULATED_METRICS;
  const metricSource = provider === 'prometheus' ? 'spec.metrics.prometheus.queries' : 'the simulated metrics';
  /** Metric names are judged only against a known list: the simulated one, or prometheus queries that parsed. */
  const metricsKnown = provider === 'simulated' || (provider === 'prometheus' && queries !== undefined && !failures.has(['spec', 'metrics', 'prometheus', 'queries']));
  for (const [name, gate] of Object.entries(gates ?? {})) {
    if (!gate) continue;
    const p = ['spec', 'gates', name];
    /** Given in the file: parsed, or there but failed the schema. */
    const given = (k: string): boolean => (gate as Record<string, unknown>)[k] !== undefined || failures.has([...p, k]);
    const threshold = given('metric');
    const comparison = given('compare');
    if (threshold && comparison) issues.push({ path: p, message: 'a gate has either metric (threshold) or compare, not both' });
    if (!threshold && !comparison) issues.push({ path: p, message: 'a gate needs metric (with max and/or min) or compare' });
    if (threshold) {
      if (!given('max') && !given('min')) issues.push({ path: p, message: 'a threshold gate needs max and/or min' });
      if (isNumber(gate.max) && isNumber(gate.min) && gate.min > gate.max) issues.push({ path: [...p, 'min'], message: `min (${gate.min}) is above max (${gate.max})` });
      issues.push(...checkCriticalBounds(gate, p));
      if (metricsKnown && isString(gate.metric) && !metricNames.includes(gate.metric)) issues.push({ path: [...p, 'metric'], message: `${unknownName('metric', gate.metric, metricNames)} in ${metricSource}` });
    }
    if (comparison) {
      if (given('max') || given('min') || given('criticalMax') || given('criticalMin')) {
        issues.push({ path: p, message: 'a comparison gate takes maxIncrease/maxRatio inside compare, not max/min or criticalMax/criticalMin' });
      }
      if (gate.evaluate === 'whole-bake') issues.push({ path: [...p, 'evaluate'], message: 'evaluate applies to threshold gates only' });
      const compare = gate.compare;
      if (compare) {
        if (metricsKnown && isString(compare.metric) && !metricNames.includes(compare.metric)) issues.push({ path: [...p, 'compare', 'metric'], message: `${unknownName('metric', compare.metric, metricNames)} in ${metricSource}` });
        const b = compare.baseline;
        if (isString(b) && b !== 'stable-regions' && b !== 'self' && regionNamesKnown && !regionIndex.has(b)) issues.push({ path: [...p, 'compare', 'baseline'], message: `baseline is "stable-regions", "self" or a region; ${unknownName('region', b, regionNames)}` });
      }
    }
    if (isNumber(gate.interval) && gate.interval <= 0) issues.push({ path: [...p, 'interval'], message: 'interval must be longer than 0m' });
  }

  // Evidence: requests are counted from the request rate, so that metric must be there.
  if (metricsKnown && !metricNames.includes('qps')) {
    rings.forEach((ring, i) => {
      const min = ring?.evidence?.minRequests;
      if (isNumber(min) && min > 0) issues.push({ path: ['spec', 'rings', i, 'evidence', 'minRequests'], message: `minRequests counts requests from the qps metric (requests per second), which is not in ${metricSource}` });
    });
  }

  // Windows
  (spec.windows?.freeze ?? []).forEach((f, i) => {
    if (f && isNumber(f.from) && isNumber(f.to) && f.to <= f.from) issues.push({ path: ['spec', 'windows', 'freeze', i, 'to'], message: 'a freeze must end after it starts' });
  });

  // Providers and their settings
  if (provider === 'prometheus' && !metrics?.prometheus && !failures.has(['spec', 'metrics', 'prometheus'])) issues.push({ path: ['spec', 'metrics'], message: 'provider prometheus needs a prometheus: { url, queries } section' });
  const g = spec.delivery?.gitops;
  if (g) {
    const given = (k: string): boolean => (g as Record<string, unknown>)[k] !== undefined || failures.has(['spec', 'delivery', 'gitops', k]);
    if ((g.approach === 'applicationset-revision' || g.approach === 'sync-wave') && !given('applicationSet')) {
      issues.push({ path: ['spec', 'delivery', 'gitops'], message: `approach ${g.approach} needs applicationSet (the path of the ApplicationSet file in the repo)` });
    }
    if (g.approach === 'kustomize-overlay') {
      if (!given('overlays')) issues.push({ path: ['spec', 'delivery', 'gitops'], message: 'approach kustomize-overlay needs overlays (e.g. deploy/overlays/{{ring}})' });
      if (!given('image')) issues.push({ path: ['spec', 'delivery', 'gitops'], message: 'approach kustomize-overlay needs image (the image name whose tag is set)' });
    }
  }
  const health = spec.delivery?.health;
  if (health?.provider === 'argocd' && !health.argocd && !failures.has(['spec', 'delivery', 'health', 'argocd'])) issues.push({ path: ['spec', 'delivery', 'health'], message: 'provider argocd needs an argocd: { url, application } section' });
  const traffic = spec.traffic;
  if (traffic?.provider === 'haproxy' && !traffic.haproxy && !failures.has(['spec', 'traffic', 'haproxy'])) issues.push({ path: ['spec', 'traffic'], message: 'provider haproxy needs a haproxy: { socket } section' });

  // Data
  const data = spec.data;
  if (data) {
    const given = (k: string): boolean => (data as Record<string, unknown>)[k] !== undefined || failures.has(['spec', 'data', k]);
    if (data.pattern === 'region-isolated' && !given('replication')) issues.push({ path: ['spec', 'data'], message: 'pattern region-isolated needs replication: { pause, resume } hooks' });
    if (data.pattern === 'feature-flag' && !given('featureFlag')) issues.push({ path: ['spec', 'data'], message: 'pattern feature-flag needs featureFlag: { name, enable, disable }' });
    const hooks: Array<[Draft<Hook> | undefined, Path]> = [
      [data.replication?.pause, ['spec', 'data', 'replication', 'pause']],
      [data.replication?.resume, ['spec', 'data', 'replication', 'resume']],
      [data.featureFlag?.enable, ['spec', 'data', 'featureFlag', 'enable']],
      [data.featureFlag?.disable, ['spec', 'data', 'featureFlag', 'disable']],
    ];
    for (const [hook, path] of hooks) if (hook) issues.push(...checkHook(hook, path, failures));
  }

  // Residency: replication groups inside their zones
  issues.push(...checkResidency(spec, failures));

  // Notifications
  issues.push(...checkNotifications(spec.notifications, failures));
  return issues;
}
