/**
 * @module Loading a FleetScenario from YAML text (fleet.md "Simulating the fleet"): several releases
 * of the services of a configuration, each with its start time and the faults of its new version,
 * the approvals people give, and the freezes (stop the line) they start and end, all on one virtual
 * timeline. The field schemas are the single Scenario's (scenario-schema.ts: baseline, faults,
 * approvals, times); what is new is the release list and the rules against the configuration:
 * services, regions and rings exist, one release per service, every time inside the run. Every
 * problem is located as FILE:LINE:COL. Pure: the caller reads the file. Also builds the single
 * Scenario each service's simulated fleet runs on, so that fleet is the single simulation's as is.
 */
import { z } from 'zod';
import { refuseRelease } from '../engine/release-rules.ts';
import { PolicyError, type Located } from '../errors.ts';
import { isoInstant as iso } from '../plan/iso.ts';
import { formatDuration } from '../policy/duration.ts';
import type { FleetConfig, ServicePolicy } from '../policy/fleet-config.ts';
import { FreezeFields, ImageTag, Name, Revision, Version } from '../policy/release-fields.ts';
import { API_VERSION, Duration, Instant } from '../policy/schema.ts';
import { didYouMean, listSome, loadDocument, parseSource, type Issue, type Path, type SourceDocument } from '../policy/source.ts';
import { hash32, hashString } from './random.ts';
import { checkScenario, type Scenario } from './scenario.ts';
import { Approval, Baseline, Fault, OutageFault, ScenarioRelease, faultFields, type ScenarioFault } from './scenario-schema.ts';

const quote = (v: unknown): string => (typeof v === 'object' && v !== null ? JSON.stringify(v) : `"${String(v)}"`);

/** The default horizon, as for a single Scenario. */
export const DEFAULT_HORIZON = '14d';

/** An ISO time with an offset, or `+DURATION` after the scenario's start: the single Scenario's (an outage's `at`). */
const At = OutageFault.shape.at;
type AtValue = z.output<typeof At>;

const FleetRelease = ScenarioRelease.extend({
  service: Name.meta({ description: 'The service released: a ReleasePolicy of the configuration' }),
  version: Version,
  revision: Revision.optional(),
  image: ImageTag.optional(),
  at: At.prefault('+0m').meta({ description: 'When the release starts: an ISO time, or +DURATION after the scenario start (default +0m)' }),
  faults: z.array(Fault).prefault([]).meta({ description: 'How this new version misbehaves (and infrastructure events of its simulated fleet)' }),
});

const FleetApproval = Approval.extend({
  service: Name.meta({ description: 'The service whose release the approval is for' }),
});

const FleetFreeze = FreezeFields.extend({
  at: At.meta({ description: 'When a person stops the line' }),
  until: At.optional().meta({ description: 'When they end the freeze (default: never, within the run)' }),
});

const FleetScenarioSpec = z.strictObject({
  start: Instant,
  horizon: Duration.prefault(DEFAULT_HORIZON),
  seed: z.int().min(0).prefault(1),
  deployTime: Duration.optional().meta({ description: "Time to deploy or roll back a ring (default: each policy's delivery.deployTime)" }),
  baseline: Baseline.prefault({}),
  releases: z.array(FleetRelease).min(1, { error: 'list at least one release' }),
  approvals: z.array(FleetApproval).prefault([]),
  freezes: z.array(FleetFreeze).prefault([]),
});

const FleetScenarioDocument = z
  .strictObject({
    apiVersion: z.literal(API_VERSION, { error: (i) => (i.input === undefined ? `required (use ${API_VERSION})` : `${quote(i.input)} is not a supported apiVersion (use ${API_VERSION})`) }),
    kind: z.literal('FleetScenario', {
      error: (i) =>
        i.input === undefined ? 'required (use FleetScenario)'
          : i.input === 'Scenario' ? '"Scenario" is not FleetScenario (a Scenario is for one policy: meridian simulate POLICY --scenario FILE)'
            : `${quote(i.input)} is not FleetScenario`,
    }),
    metadata: z.strictObject({ name: z.string().min(1).optional(), labels: z.record(z.string(), z.string()).optional() }).optional(),
    spec: FleetScenarioSpec,
  })
  .meta({ title: 'Meridian FleetScenario', description: 'Releases of several services on one simulated fleet, with the approvals and freezes people give.' });

type Raw = z.output<typeof FleetScenarioDocument>;

export interface FleetScenarioRelease {
  service: string;
  version: string;
  previous: string;
  revision?: string;
  image?: string;
  changes: Scenario['spec']['release']['changes'];
  schemaPhase: Scenario['spec']['release']['schemaPhase'];
  /** When it starts (epoch ms). */
  at: number;
  /** Its new version's faults, every outage's and metrics gap's `at` absolute. */
  faults: ScenarioFault[];
}

export interface FleetScenarioApproval {
  service: string;
  ring: string;
  by: string;
  groups: string[];
  /** How long after the request it arrives. */
  after: number;
}

export interface FleetScenarioFreeze {
  reason: string;
  /** Empty: every region. */
  regions: string[];
  /** Empty: every service. */
  services: string[];
  at: number;
  /** Null: not ended within the run. */
  until: number | null;
}

export interface FleetScenario {
  name: string;
  spec: {
    start: number;
    horizon: number;
    seed: number;
    deployTime?: number;
    baseline: Scenario['spec']['baseline'];
    releases: FleetScenarioRelease[];
    approvals: FleetScenarioApproval[];
    freezes: FleetScenarioFreeze[];
  };
}

export interface LoadedFleetScenario {
  scenario: FleetScenario;
  source: SourceDocument;
}

const abs = (at: AtValue, start: number): number => ('time' in at ? at.time : start + at.afterStart);

function resolveFaults(faults: Raw['spec']['releases'][number]['faults'], start: number): ScenarioFault[] {
  return faults.map((f) => (f.kind === 'outage' || f.kind === 'metrics-gap' ? { ...f, at: abs(f.at, start) } : f));
}

function resolve(raw: Raw, file: string): FleetScenario {
  const s = raw.spec;
  const name = raw.metadata?.name ?? (file.split(/[\\/]/).pop() ?? file).replace(/\.ya?ml$/, '');
  return {
    name,
    spec: {
      start: s.start,
      horizon: s.horizon,
      seed: s.seed,
      ...(s.deployTime !== undefined ? { deployTime: s.deployTime } : {}),
      baseline: s.baseline,
      releases: s.releases.map((r) => ({
        service: r.service, version: r.version, previous: r.previous, changes: r.changes, schemaPhase: r.schemaPhase,
        ...(r.revision !== undefined ? { revision: r.revision } : {}), ...(r.image !== undefined ? { image: r.image } : {}),
        at: abs(r.at, s.start), faults: resolveFaults(r.faults, s.start),
      })),
      approvals: s.approvals.map((a) => ({ service: a.service, ring: a.ring, by: a.by, groups: a.groups, after: a.after })),
      freezes: s.freezes.map((f) => ({
        reason: f.reason.trim(), regions: [...new Set(f.regions ?? [])], services: [...new Set(f.services ?? [])],
        at: abs(f.at, s.start), until: f.until === undefined ? null : abs(f.until, s.start),
      })),
    },
  };
}

/**
 * The single Scenario one release's simulated fleet runs on: the fleet scenario's start, horizon,
 * baseline and deploy time, the release's version and faults, and the approvals for its service.
 * `seed` is the service's own (seedFor).
 */
export function serviceScenario(fleet: FleetScenario, release: FleetScenarioRelease, seed: number): Scenario {
  const spec = fleet.spec;
  return {
    apiVersion: API_VERSION,
    kind: 'Scenario',
    metadata: { name: `${fleet.name}-${release.service}` },
    spec: {
      start: spec.start,
      horizon: spec.horizon,
      seed,
      ...(spec.deployTime !== undefined ? { deployTime: spec.deployTime } : {}),
      release: {
        version: release.version, previous: release.previous, changes: release.changes, schemaPhase: release.schemaPhase,
        ...(release.revision !== undefined ? { revision: release.revision } : {}), ...(release.image !== undefined ? { image: release.image } : {}),
      },
      baseline: spec.baseline,
      faults: release.faults,
      approvals: spec.approvals.filter((a) => a.service === release.service).map((a) => ({ ring: a.ring, by: a.by, groups: a.groups, after: a.after })),
      failHooks: [],
    },
  };
}

/** The seed of a service's simulated fleet: a function of the scenario's seed and the service's name, so services draw independent noise. */
export function seedFor(seed: number, service: string): number {
  return hash32(seed, [hashString(service)]);
}

function unknownService(name: string, known: readonly string[]): string {
  const guess = didYouMean(name, known);
  return `service "${name}" is not in the configuration${guess ? ` (did you mean "${guess}"?)` : ` (known: ${listSome(known)})`}`;
}

/**
 * A single scenario's issue about a release, at its place in the fleet scenario: `spec.release.x`
 * and `spec.faults[i]` are the release's own; `spec.approvals[j]` is the j-th approval of its
 * service. Null for what the fleet scenario checks once for all (the horizon).
 */
function releasePath(path: Path, release: number, approvals: readonly number[]): Path | null {
  const [, field, index, ...rest] = path;
  if (field === 'release') return ['spec', 'releases', release, ...path.slice(2)];
  if (field === 'faults') return ['spec', 'releases', release, 'faults', ...path.slice(2)];
  if (field === 'approvals' && typeof index === 'number') return ['spec', 'approvals', approvals[index]!, ...rest];
  return null;
}

/** Rules across fields and against the configuration. Returns issues; never throws. */
export function checkFleetScenario(scenario: FleetScenario, config: FleetConfig): Issue[] {
  const spec = scenario.spec;
  const issues: Issue[] = [];
  const services = new Map<string, ServicePolicy>(config.services.map((s) => [s.service, s]));
  const known = config.services.map((s) => s.service);
  const end = spec.start + spec.horizon;
  if (spec.horizon <= 0) issues.push({ path: ['spec', 'horizon'], message: 'the horizon must be longer than 0m' });

  const within = (at: number, path: Path, what: string): void => {
    if (at < spec.start) issues.push({ path, message: `${iso(at)} is before the scenario's start (${iso(spec.start)}): ${what}` });
    else if (spec.horizon > 0 && at >= end) issues.push({ path, message: `${iso(at)} is not before the horizon (${formatDuration(spec.horizon)} after the start: ${iso(end)}): ${what}` });
  };

  const releaseOf = new Map<string, number>();
  spec.releases.forEach((r, k) => {
    const path: Path = ['spec', 'releases', k];
    within(r.at, [...path, 'at'], 'the release would never start');
    const first = releaseOf.get(r.service);
    if (first !== undefined) {
      issues.push({ path: [...path, 'service'], message: `service "${r.service}" already has a release in this scenario (spec.releases[${first}]); a scenario runs one release per service` });
      return;
    }
    releaseOf.set(r.service, k);
    const service = services.get(r.service);
    if (!service) issues.push({ path: [...path, 'service'], message: unknownService(r.service, known) });
    const approvals = spec.approvals.flatMap((a, j) => (a.service === r.service ? [j] : []));
    const single = serviceScenario(scenario, r, 0);
    for (const issue of checkScenario(single, service?.policy)) {
      const at = releasePath(issue.path, k, approvals);
      if (at) issues.push({ ...issue, path: at });
    }
    if (!service) return;
    const regions = Object.fromEntries(service.policy.spec.regions.map((x) => [x.name, r.previous]));
    const refusal = refuseRelease(service.policy, r, regions);
    if (refusal) issues.push({ path: [...path, 'changes'], message: refusal.message });
  });

  spec.approvals.forEach((a, j) => {
    const path: Path = ['spec', 'approvals', j];
    const service = services.get(a.service);
    if (!service) {
      issues.push({ path: [...path, 'service'], message: unknownService(a.service, known) });
      return;
    }
    if (!releaseOf.has(a.service)) {
      issues.push({ path: [...path, 'service'], message: `service "${a.service}" has no release in this scenario (spec.releases), so nothing asks for this approval` });
      return;
    }
    const ring = service.policy.spec.rings.find((x) => x.name === a.ring);
    if (ring && !ring.approval) issues.push({ path: [...path, 'ring'], message: `ring "${a.ring}" of ${a.service} needs no approval (its policy gives it none), so nothing asks for this one` });
  });

  const regions = [...new Set(config.services.flatMap((s) => s.policy.spec.regions.map((x) => x.name)))];
  spec.freezes.forEach((f, i) => {
    const path: Path = ['spec', 'freezes', i];
    within(f.at, [...path, 'at'], 'the freeze would never start');
    if (f.until !== null && f.until <= f.at) issues.push({ path: [...path, 'until'], message: `${iso(f.until)} is not after the freeze's start (${iso(f.at)})` });
    f.regions.forEach((r, j) => {
      if (regions.includes(r)) return;
      const guess = didYouMean(r, regions);
      issues.push({ path: [...path, 'regions', j], message: `region "${r}" is not a region of the configuration${guess ? ` (did you mean "${guess}"?)` : ` (known: ${listSome(regions)})`}` });
    });
    f.services.forEach((s, j) => {
      if (!services.has(s)) issues.push({ path: [...path, 'services', j], message: unknownService(s, known) });
    });
  });
  return issues;
}

/**
 * zod cannot name the fields of one member of the `faults` union, so an unknown field there gets
 * its did-you-mean here, from the fields of the fault's kind (as for a single Scenario).
 */
function withFaultFieldGuesses(error: PolicyError, text: string, file: string): PolicyError {
  const UNKNOWN = /^spec\.releases\[(\d+)\]\.faults\[(\d+)\]\.([^.[\]]+)$/;
  let raw: { spec?: { releases?: Array<{ faults?: unknown[] }> } } | undefined;
  const problems = error.problems.map((p): Located => {
    const m = UNKNOWN.exec(p.path);
    if (!m || p.message !== `unknown field "${m[3]}"`) return p;
    raw ??= parseSource(text, file).doc.toJS({ maxAliasCount: 100 }) as typeof raw;
    const fault = raw?.spec?.releases?.[Number(m[1])]?.faults?.[Number(m[2])] as { kind?: unknown } | undefined;
    const guess = didYouMean(m[3]!, faultFields(String(fault?.kind)));
    return guess ? { ...p, message: `${p.message} (did you mean "${guess}"?)` } : p;
  });
  return new PolicyError(problems);
}

/** Parse a FleetScenario against a configuration; throws PolicyError with every problem found. */
export function loadFleetScenario(text: string, file: string, config: FleetConfig): LoadedFleetScenario {
  try {
    let scenario: FleetScenario | undefined;
    const { source } = loadDocument(text, file, FleetScenarioDocument, (raw) => {
      scenario = resolve(raw, file);
      return checkFleetScenario(scenario, config);
    });
    return { scenario: scenario!, source };
  } catch (e) {
    if (!(e instanceof PolicyError)) throw e;
    // A document of another kind (a single Scenario, a policy): what its fields miss is beside the point.
    const kind = e.problems.filter((p) => p.path === 'kind' && !p.message.startsWith('required'));
    throw kind.length > 0 ? new PolicyError(kind) : withFaultFieldGuesses(e, text, file);
  }
}
