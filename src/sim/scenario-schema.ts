/**
 * @module The Scenario schema (meridian.dev/v1alpha1, kind Scenario) as zod: the virtual start, the
 * release, the stable baseline, the faults of the new version and of the infrastructure, approvals,
 * traffic overrides. Per-field rules only; references to the policy are checked in scenario.ts.
 * Durations and times come out in milliseconds; an outage's or gap's `at` comes out absolute.
 */
import { z } from 'zod';
import { parseDuration } from '../policy/duration.ts';
import { API_VERSION, ClockTime, Duration, Instant, ReleaseSpec, TimeZone } from '../policy/schema.ts';
import { didYouMean } from '../policy/source.ts';
import { TrafficWeights } from '../policy/traffic-weights.ts';

const quote = (v: unknown): string => (typeof v === 'object' && v !== null ? JSON.stringify(v) : `"${String(v)}"`);

const Share = z.number().min(0).max(1);

const Regions = z
  .array(z.string().min(1))
  .min(1, { error: 'list at least one region, or leave regions out to mean every region' })
  .optional()
  .meta({ description: 'Regions the fault acts in (default: every region)' });

const AT_HINT = 'use an ISO 8601 time with an offset, or +DURATION after start, e.g. +30h';

/** When an infrastructure event starts: an ISO time, or `+duration` after the scenario's start. */
const At = z
  .string({ error: (i) => `${quote(i.input)} is not a time (${AT_HINT})` })
  .transform((s, ctx): { time: number } | { afterStart: number } => {
    const text = s.trim();
    if (text.startsWith('+')) {
      const d = text.length > 1 ? parseDuration(text.slice(1)) : undefined;
      if (d !== undefined) return { afterStart: d };
    } else {
      const r = Instant.safeParse(text);
      if (r.success) return { time: r.data };
    }
    ctx.addIssue({ code: 'custom', message: `${quote(s)} is not a time (${AT_HINT})`, input: s });
    return z.NEVER;
  })
  .meta({ description: 'ISO 8601 time with an offset, or +DURATION after the scenario start (e.g. +30h)' });

export const ErrorRateFault = z.strictObject({
  kind: z.literal('error-rate'),
  value: Share.meta({ description: 'The error rate of the new version once the fault acts' }),
  regions: Regions,
  after: Duration.prefault('0m').meta({ description: "Delay past the version's start in the region" }),
});

export const LatencyFault = z.strictObject({
  kind: z.literal('latency'),
  factor: z.number().positive().meta({ description: 'p99 latency is multiplied by this' }),
  regions: Regions,
  after: Duration.prefault('0m'),
});

export const DailySpikeFault = z.strictObject({
  kind: z.literal('daily-spike'),
  at: ClockTime.meta({ description: 'Local time of day the spike starts, "HH:MM"' }),
  timezone: TimeZone.prefault('UTC'),
  duration: Duration,
  errorRate: Share,
});

export const LeakFault = z.strictObject({
  kind: z.literal('leak'),
  memoryPerHour: z.number().positive().meta({ description: 'Memory (as a fraction) gained per hour of uptime' }),
});

export const ScaleDependentFault = z.strictObject({
  kind: z.literal('scale-dependent'),
  minUserShare: Share,
  errorRate: Share,
});

export const OutageFault = z.strictObject({
  kind: z.literal('outage'),
  region: z.string().min(1),
  at: At,
  duration: Duration,
});

export const MetricsGapFault = z.strictObject({
  kind: z.literal('metrics-gap'),
  region: z.string().min(1),
  at: At,
  duration: Duration,
});

const FAULT_OPTIONS = [ErrorRateFault, LatencyFault, DailySpikeFault, LeakFault, ScaleDependentFault, OutageFault, MetricsGapFault] as const;

export const FAULT_KINDS = ['error-rate', 'latency', 'daily-spike', 'leak', 'scale-dependent', 'outage', 'metrics-gap'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** The field names a fault of `kind` takes (for did-you-mean on unknown fields). */
export function faultFields(kind: string): string[] {
  const option = FAULT_OPTIONS.find((o) => o.shape.kind.value === kind);
  return option ? Object.keys(option.shape) : [];
}

function unknownKind(input: unknown): string {
  const kind = typeof input === 'object' && input !== null ? (input as { kind?: unknown }).kind : undefined;
  if (kind === undefined) return `a fault needs a kind (one of ${FAULT_KINDS.join(', ')})`;
  const guess = typeof kind === 'string' ? didYouMean(kind, FAULT_KINDS) : undefined;
  return `${quote(kind)} is not a fault kind (${guess ? `did you mean "${guess}"?` : `use one of ${FAULT_KINDS.join(', ')}`})`;
}

export const Fault = z.discriminatedUnion('kind', [...FAULT_OPTIONS], {
  error: (iss) => (iss.code === 'invalid_union' && 'discriminator' in iss ? unknownKind(iss.input) : undefined),
});

export const Baseline = z.strictObject({
  errorRate: Share.prefault(0.002),
  p99LatencyMs: z.number().positive().prefault(120),
  cpu: z.number().min(0).prefault(0.4),
  memory: Share.prefault(0.65),
  noise: z.number().min(0).prefault(0.1).meta({
    description:
      "Relative standard deviation of each 1-minute sample of latency, cpu and memory at the busiest production region's mean traffic (a region serving qps gets noise × √(that mean ÷ qps)), and of qps everywhere. The error rate takes none: it is the share of each minute's requests that failed, drawn binomially",
  }),
});

export const Approval = z.strictObject({
  ring: z.string().min(1),
  by: z.string().min(1),
  groups: z.array(z.string().min(1)).prefault([]),
  after: Duration.prefault('0m').meta({ description: 'How long after the request the approval arrives' }),
});

export const ScenarioRelease = ReleaseSpec.extend({
  previous: z.string().min(1).meta({ description: 'The stable version every region runs at the start' }),
});

const ScenarioSpecFields = z.strictObject({
  start: Instant,
  horizon: Duration.prefault('14d'),
  seed: z.int().min(0).prefault(1),
  deployTime: Duration.optional().meta({ description: "Time to deploy or roll back a ring (default: the policy's delivery.deployTime)" }),
  release: ScenarioRelease,
  baseline: Baseline.prefault({}),
  faults: z.array(Fault).prefault([]),
  approvals: z.array(Approval).prefault([]),
  traffic: TrafficWeights.optional(),
  failHooks: z.array(z.string().min(1)).prefault([]).meta({ description: 'Hook steps that fail, e.g. replication.pause' }),
});

/** The spec, with every outage's and metrics gap's `at` resolved to an absolute time. */
export const ScenarioSpec = ScenarioSpecFields.transform((spec) => ({
  ...spec,
  faults: spec.faults.map((f) =>
    f.kind === 'outage' || f.kind === 'metrics-gap' ? { ...f, at: 'time' in f.at ? f.at.time : spec.start + f.at.afterStart } : f,
  ),
}));

export const ScenarioDocument = z
  .strictObject({
    apiVersion: z.literal(API_VERSION, { error: (i) => `${quote(i.input)} is not a supported apiVersion (use ${API_VERSION})` }),
    kind: z.literal('Scenario', { error: (i) => `${quote(i.input)} is not Scenario` }),
    metadata: z.strictObject({ name: z.string().min(1), labels: z.record(z.string(), z.string()).optional() }),
    spec: ScenarioSpec,
  })
  .meta({ title: 'Meridian Scenario', description: 'A simulated fleet, a release and the faults it meets.' });

export type Scenario = z.output<typeof ScenarioDocument>;
export type ScenarioInput = z.input<typeof ScenarioDocument>;
export type ScenarioFault = Scenario['spec']['faults'][number];
export type ScenarioBaseline = Scenario['spec']['baseline'];
export type ScenarioApproval = Scenario['spec']['approvals'][number];
