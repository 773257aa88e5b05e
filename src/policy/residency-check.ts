/**
 * @module Cross-field rules of residency (policy.md "Regions" and "Data"): replication groups name
 * known regions, each at most once and in at most one group; a group never spans two residency
 * labels (nor a zone and unrestricted regions), and a label a group declares is one its regions
 * carry; region-isolated without groups replicates every region with every other, so it is refused
 * when the regions carry different labels; HAProxy gives each label a backend of its own. Runs on a draft like check.ts: a rule whose input failed
 * the schema stays silent. Returns issues; never throws. Linear in regions and group entries.
 */
import type { Draft, Failures } from './draft.ts';
import type { Issue, Path } from './issue.ts';
import { didYouMean, listSome } from './source.ts';
import type { Spec } from './schema.ts';

const isString = (v: unknown): v is string => typeof v === 'string';

/** What the check knows of a region: its label (null: none), or undefined when the label failed the schema. */
type Label = string | null | undefined;

const NONE = null;

function describeLabel(name: string, label: string | null): string {
  return label === NONE ? `${name} has no residency label` : `${name} is ${label}`;
}

/** The label whose data a mix of `a` and `b` would carry out of its zone (the first one that has a label). */
function leaving(a: string | null, b: string | null): string {
  return (a ?? b)!;
}

/**
 * HAProxy balances a backend's users over all its servers: with residency labels, each label needs
 * a backend of its own (`traffic.haproxy.backends`), none shared with another zone or with the
 * unrestricted regions, and every label given there is one a production region carries.
 */
function checkHaproxyBackends(spec: Draft<Spec>, failures: Failures): Issue[] {
  const h = spec.traffic?.haproxy;
  if (spec.traffic?.provider !== 'haproxy' || !h || failures.has(['spec', 'traffic', 'haproxy'])) return [];
  const regions = spec.regions ?? [];
  if (spec.regions === undefined || regions.some((r, i) => !r || typeof r.internal !== 'boolean' || failures.has(['spec', 'regions', i, 'residency']))) return [];
  const production = regions.filter((r) => r?.internal === false);
  const labels = [...new Set(production.map((r) => r?.residency).filter(isString))].sort();
  const unrestricted = production.some((r) => r?.residency === undefined);
  const issues: Issue[] = [];
  const at: Path = ['spec', 'traffic', 'haproxy'];
  const backends = (h.backends ?? {}) as Record<string, string | undefined>;
  const backend = isString(h.backend) ? h.backend : 'regions';
  for (const key of Object.keys(backends)) {
    if (labels.includes(key)) continue;
    const guess = didYouMean(key, labels);
    issues.push({ path: [...at, 'backends', key], atKey: true, message: `residency "${key}" is not the label of any production region${guess ? ` (did you mean "${guess}"?)` : labels.length > 0 ? ` (the labels regions carry: ${listSome(labels)})` : ''}` });
  }
  const missing = labels.filter((l) => backends[l] === undefined);
  if (missing.length > 0) {
    const example = labels.map((l) => `${l}: ${backends[l] ?? `${l.toLowerCase()}-regions`}`).join(', ');
    issues.push({
      path: h.backends === undefined ? at : [...at, 'backends'],
      message: `HAProxy would balance ${listSome(missing)} users over backend "${backend}" with regions outside ${missing.length === 1 ? 'their zone' : 'their zones'}: give each residency label a backend of its own (backends: { ${example} })`,
    });
  }
  const owner = new Map<string, string>(unrestricted ? [[backend, 'the regions without a residency label']] : []);
  for (const label of labels) {
    const b = backends[label];
    if (b === undefined) continue;
    const other = owner.get(b);
    if (other !== undefined) issues.push({ path: [...at, 'backends', label], message: `backend "${b}" already balances ${other}: ${label} needs a backend of its own` });
    else owner.set(b, `${label} users`);
  }
  return issues;
}

export function checkResidency(spec: Draft<Spec>, failures: Failures): Issue[] {
  const issues: Issue[] = checkHaproxyBackends(spec, failures);
  const regions = spec.regions ?? [];
  const labels = new Map<string, Label>();
  regions.forEach((r, i) => {
    if (!r || !isString(r.name) || labels.has(r.name)) return;
    const bad = failures.has(['spec', 'regions', i, 'residency']);
    labels.set(r.name, bad ? undefined : (r.residency ?? NONE));
  });
  const regionNamesKnown = spec.regions !== undefined && regions.every((r) => isString(r?.name));
  const known = [...labels.keys()];
  const labelSet = new Set([...labels.values()].filter(isString));
  const allLabelsKnown = regionNamesKnown && [...labels.values()].every((l) => l !== undefined);

  const replication = spec.data?.replication;
  const groups = replication?.groups;
  const at: Path = ['spec', 'data', 'replication', 'groups'];

  if (groups === undefined) {
    // Without groups, every region replicates with every other: only one label (or none) may be there.
    const distinct = new Set([...labels.values()]);
    if (spec.data?.pattern === 'region-isolated' && replication && !failures.has(['spec', 'data', 'replication', 'groups']) && allLabelsKnown && labelSet.size > 0 && distinct.size > 1) {
      const sorted = [...labelSet].sort();
      const unrestricted = [...labels.entries()].filter(([, l]) => l === NONE).map(([n]) => n);
      const mix = `${sorted.join(', ')}${unrestricted.length > 0 ? `; ${listSome(unrestricted, { max: 3 })} ${unrestricted.length === 1 ? 'has' : 'have'} none` : ''}`;
      issues.push({
        path: ['spec', 'data', 'replication'],
        message: `without groups every region replicates with every other, but the regions carry residency labels (${mix}): list spec.data.replication.groups, none spanning two labels, so ${sorted[0]} data never leave ${sorted[0]}`,
      });
    }
    return issues;
  }

  const groupOf = new Map<string, string>();
  const groupNames = new Set<string>();
  groups.forEach((g, i) => {
    if (!g) return;
    const p: Path = [...at, i];
    const name = isString(g.name) ? g.name : undefined;
    const label = name === undefined ? `spec.data.replication.groups[${i}]` : `replication group "${name}"`;
    if (name !== undefined) {
      if (groupNames.has(name)) issues.push({ path: [...p, 'name'], message: `replication group "${name}" is defined twice` });
      groupNames.add(name);
    }
    // The group's regions that are known, with their labels, for the residency rules below.
    const members: Array<{ name: string; label: Label; j: number }> = [];
    const seen = new Set<string>();
    (g.regions ?? []).forEach((region, j) => {
      if (!isString(region)) return;
      const rp: Path = [...p, 'regions', j];
      if (regionNamesKnown && !labels.has(region)) {
        const guess = didYouMean(region, known);
        issues.push({ path: rp, message: `region "${region}" is not defined${guess ? ` (did you mean "${guess}"?)` : known.length ? ` (known: ${listSome(known)})` : ''}` });
        return;
      }
      if (seen.has(region)) {
        issues.push({ path: rp, message: `region "${region}" is named twice in ${label}` });
        return;
      }
      seen.add(region);
      const owner = groupOf.get(region);
      if (owner !== undefined) {
        issues.push({ path: rp, message: `region "${region}" is already in replication group "${owner}" (a region replicates in at most one group)` });
        return;
      }
      if (name !== undefined) groupOf.set(region, name);
      if (labels.has(region)) members.push({ name: region, label: labels.get(region), j });
    });

    const declared = g.residency;
    if (isString(declared)) {
      if (!regionNamesKnown || !allLabelsKnown) return;
      if (!labelSet.has(declared)) {
        const guess = didYouMean(declared, [...labelSet]);
        const hint = guess ? ` (did you mean "${guess}"?)` : labelSet.size > 0 ? ` (the labels regions carry: ${listSome([...labelSet].sort())})` : ' (no region carries a residency label)';
        issues.push({ path: [...p, 'residency'], message: `residency "${declared}" is not the label of any region${hint}` });
        return;
      }
      const stranger = members.find((m) => m.label !== declared);
      if (stranger && stranger.label !== undefined) {
        const what = stranger.label === NONE ? 'has no residency label' : `is in residency zone ${stranger.label}`;
        issues.push({ path: [...p, 'regions', stranger.j], message: `region "${stranger.name}" ${what}, not ${declared}: ${label} would carry ${declared} data out of ${declared}` });
      }
      return;
    }
    if (failures.has([...p, 'residency'])) return;
    const first = members.find((m) => m.label !== undefined);
    const other = first && members.find((m) => m.label !== undefined && m.label !== first.label);
    if (first && other) {
      const a = first.label as string | null;
      const b = other.label as string | null;
      const kind = a !== NONE && b !== NONE ? 'spans two residency zones' : 'mixes a residency zone with unrestricted regions';
      const zone = leaving(a, b);
      issues.push({
        path: [...p, 'regions', other.j],
        message: `${label} ${kind} (${describeLabel(first.name, a)}, ${describeLabel(other.name, b)}): ${zone} data would leave ${zone}; give each zone a group of its own`,
      });
    }
  });
  return issues;
}
