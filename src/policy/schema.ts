/**
 * @module The ReleasePolicy and Fleet schemas (meridian.dev/v1alpha1) as zod: field names, types,
 * defaults and per-field rules. Cross-field rules (shares sum to 1, references exist) live in
 * check.ts. The JSON Schema that editors use is generated from this file (json-schema.ts), never
 * written by hand.
 */
import { z } from 'zod';
import { IANAZone } from 'luxon';
import { DAY, DURATION_PATTERN, formatDuration, parseDuration } from './duration.ts';
import { APP_URL, COMMIT_URL, urlTemplate } from './url-template.ts';
import { Notifications } from './notifications.ts';

/** A value as a message shows it: strings and numbers quoted, YAML's spelling for .nan and .inf, null bare. */
const quote = (v: unknown): string => {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? '.nan' : v > 0 ? '.inf' : '-.inf';
  return typeof v === 'object' ? JSON.stringify(v) : `"${String(v)}"`;
};

/** The longest duration a policy may give (10 years): longer ones are typos, and would overflow the calendar when planned. */
export const MAX_DURATION = 3650 * DAY;

/** A duration string (`30m`, `24h`, `1d12h`) → milliseconds. */
export const Duration = z
  .string({ error: (i) => `${quote(i.input)} is not a duration (use e.g. 24h)` })
  .regex(new RegExp(DURATION_PATTERN), { error: (i) => `${quote(i.input)} is not a duration (use e.g. 24h)` })
  .refine((s) => s.trim() !== '', { error: 'an empty string is not a duration (use e.g. 24h)' })
  .refine((s) => (parseDuration(s) ?? 0) <= MAX_DURATION, { error: (i) => `${quote(i.input)} is longer than ${formatDuration(MAX_DURATION)}, the longest duration a policy may give` })
  .transform((s) => parseDuration(s) ?? 0)
  .meta({ description: 'A duration: 30m, 4h, 24h, 2d, 1d12h' });

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** An ISO 8601 time with an offset → epoch milliseconds. */
export const Instant = z
  .string({ error: (i) => `${quote(i.input)} is not a time (use ISO 8601 with an offset, e.g. 2026-03-02T09:00:00Z)` })
  .refine((s) => ISO_WITH_OFFSET.test(s) && !Number.isNaN(Date.parse(s)), {
    error: (i) => `${quote(i.input)} is not a time (use ISO 8601 with an offset, e.g. 2026-03-02T09:00:00Z)`,
  })
  .transform((s) => Date.parse(s))
  .meta({ description: 'ISO 8601 time with an offset, e.g. 2026-03-02T09:00:00Z' });

/** Zone names already judged: asking Intl costs ~0.1 ms a time, and a fleet names a few zones thousands of times. */
const zoneValidity = new Map<string, boolean>();
function isValidZone(name: string): boolean {
  let valid = zoneValidity.get(name);
  if (valid === undefined) {
    valid = IANAZone.isValidZone(name);
    if (zoneValidity.size < 1000) zoneValidity.set(name, valid);
  }
  return valid;
}

export const TimeZone = z
  .string()
  .refine((s) => isValidZone(s), { error: (i) => `${quote(i.input)} is not an IANA time zone (e.g. Europe/London, Asia/Kolkata, UTC)` })
  .meta({ description: 'IANA time zone name, e.g. Asia/Kolkata' });

const HHMM = /^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/;
/** A local wall-clock time `HH:MM` → minutes after midnight. */
export const ClockTime = z
  .string({ error: (i) => `${quote(i.input)} is not a time of day (use "HH:MM", quoted)` })
  .regex(HHMM, { error: (i) => `${quote(i.input)} is not a time of day (use "HH:MM", e.g. "09:00")` })
  .transform((s) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5)));

export const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;

/** `Mon-Fri`, `Mon,Wed`, `[Mon, Wed]`, `[Mon-Wed, Sat]` → ISO weekday numbers (1 = Monday), sorted. */
export function parseDays(input: string | string[]): number[] | string {
  const parts = (Array.isArray(input) ? input : input.split(',')).map((p) => p.trim());
  const out = new Set<number>();
  for (const part of parts) {
    const [a, b, extra] = part.split('-').map((s) => s.trim());
    const from = WEEKDAYS.findIndex((d) => d.toLowerCase() === (a ?? '').toLowerCase().slice(0, 3) && (a ?? '').length >= 3);
    const to = b === undefined ? from : WEEKDAYS.findIndex((d) => d.toLowerCase() === b.toLowerCase().slice(0, 3) && b.length >= 3);
    if (extra !== undefined || from < 0 || to < 0) return `"${part}" is not a day or day range (use Mon-Fri or [Mon, Wed])`;
    if (to < from) return `"${part}" runs backwards (write ${WEEKDAYS[to]}-${WEEKDAYS[from]} or list the days)`;
    for (let d = from; d <= to; d++) out.add(d + 1);
  }
  if (out.size === 0) return 'no days given';
  return [...out].sort((x, y) => x - y);
}

const Days = z.union([z.string(), z.array(z.string())]).transform((v, ctx) => {
  const r = parseDays(v);
  if (typeof r === 'string') {
    ctx.addIssue({ code: 'custom', message: r });
    return z.NEVER;
  }
  return r;
});

export const BusinessHours = z
  .strictObject({
    days: Days.prefault(['Mon-Fri']).meta({ description: 'Mon-Fri or a list such as [Mon, Wed]' }),
    start: ClockTime.prefault('09:00'),
    end: ClockTime.prefault('17:00'),
  })
  .meta({ description: 'Local business hours of the region' });

export const Cluster = z.strictObject({
  name: z.string().min(1),
  server: z.string().min(1).optional(),
  labels: z.record(z.string(), z.string()).prefault({}),
});

/** A residency label (`EU`, `US`, `IN`): any name of letters, digits, `.`, `_` and `-`. */
const RESIDENCY_LABEL = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
export const Residency = z
  .string({ error: (i) => `${quote(i.input)} is not a residency label (use a name such as EU)` })
  .regex(RESIDENCY_LABEL, { error: (i) => `${quote(i.input)} is not a residency label (letters, digits, ".", "_" and "-", at most 63, e.g. EU)` });

export const Region = z.strictObject({
  name: z.string().min(1),
  internal: z.boolean().prefault(false),
  timezone: TimeZone,
  userShare: z.number().min(0).max(1).optional().meta({ description: 'Share of global users served here (production regions sum to 1)' }),
  capacity: z.number().positive().prefault(1.0).meta({ description: "Capacity divided by this region's own peak load" }),
  residency: Residency.optional().meta({ description: 'Residency zone (any label, e.g. EU): traffic and replicated data of this region never leave the regions with the same label. A region without one is unrestricted' }),
  monitored: z.boolean().prefault(true),
  representative: z.boolean().prefault(true),
  businessHours: BusinessHours.prefault({ days: ['Mon-Fri'], start: '09:00', end: '17:00' }),
  peakHour: ClockTime.prefault('14:00').meta({ description: 'Local start of the busiest hour of traffic (evidence.coverPeak); the simulator\'s default curve peaks at 14:00' }),
  clusters: z.array(Cluster).min(1, { error: 'a region needs at least one cluster' }),
});

export const Ring = z.strictObject({
  name: z.string().min(1),
  regions: z.array(z.string()).min(1, { error: 'a ring needs at least one region' }),
  bake: Duration.prefault('0m'),
  gates: z.array(z.string()).prefault([]),
  approval: z.strictObject({ approvers: z.array(z.string()).min(1, { error: 'name at least one approver' }) }).optional(),
  onFailure: z
    .strictObject({ rollback: z.array(z.string()).optional(), drain: z.boolean().prefault(false) })
    .prefault({ drain: false }),
  evidence: z
    .strictObject({
      minRequests: z.number().int().min(0).prefault(0).meta({ description: 'Requests served on the new version in each region of the ring before its bake may end' }),
      coverPeak: z.boolean().optional().meta({ description: "The bake includes each region's local peak-traffic hour (default: true for the first production ring)" }),
    })
    .prefault({ minRequests: 0 }),
});

export const Compare = z.strictObject({
  metric: z.string().min(1),
  baseline: z.string().prefault('stable-regions').meta({
    description: "stable-regions (production regions still on the previous version), a region's name, or self (the region's own previous version at the same local hours over history)",
  }),
  maxIncrease: z.number().min(0).optional(),
  maxRatio: z.number().min(0).optional(),
  confidence: z.number().gt(0).lt(1).prefault(0.98).meta({ description: 'A canary no worse than its baseline fails a bake with probability at most 1 − confidence' }),
  lookback: Duration.prefault('1h').meta({ description: 'The most a round reads back (its first one, or after a gap); the test itself covers the whole bake' }),
  history: Duration.prefault('7d').meta({ description: 'With baseline: self, how many days before the deploy the baseline reads (whole days)' }),
});

export const Gate = z.strictObject({
  metric: z.string().min(1).optional(),
  max: z.number().optional(),
  min: z.number().optional(),
  criticalMax: z.number().optional().meta({ description: 'One evaluation above this fails the ring at once (at least max)' }),
  criticalMin: z.number().optional().meta({ description: 'One evaluation below this fails the ring at once (at most min)' }),
  evaluate: z.enum(['interval', 'whole-bake']).prefault('interval'),
  compare: Compare.optional(),
  interval: Duration.prefault('5m'),
  warmup: Duration.prefault('10m'),
  failures: z.int().min(1).prefault(2),
  inconclusiveLimit: z.int().min(1).prefault(3),
  mustHaveData: z.boolean().prefault(true),
});

export const Prometheus = z.strictObject({
  url: z.url({ error: (i) => `${quote(i.input)} is not a URL` }),
  bearerTokenEnv: z.string().optional(),
  timeout: Duration.prefault('10s'),
  queries: z.record(z.string(), z.string()).prefault({}),
});

export const Metrics = z.strictObject({
  provider: z.enum(['simulated', 'prometheus']).prefault('simulated'),
  prometheus: Prometheus.optional(),
});

export const Freeze = z.strictObject({ from: Instant, to: Instant, reason: z.string().prefault('freeze') });

export const Windows = z.strictObject({
  deploy: z.enum(['business-hours', 'always']).prefault('business-hours'),
  freeze: z.array(Freeze).prefault([]),
});

export const GitOps = z.strictObject({
  repo: z.string().min(1),
  branch: z.string().prefault('main'),
  approach: z.enum(['applicationset-revision', 'kustomize-overlay', 'sync-wave']).prefault('applicationset-revision'),
  applicationSet: z.string().optional(),
  overlays: z.string().optional(),
  image: z.string().optional(),
  remote: z.string().prefault('origin'),
  commitUrl: urlTemplate(COMMIT_URL).optional().meta({ description: 'Link to a commit of the repository, shown for each ring\'s deploy and rollback: an http(s) URL with {{sha}}, e.g. https://git.example.com/org/deploy/commit/{{sha}}' }),
});

export const ArgoCd = z.strictObject({
  url: z.url({ error: (i) => `${quote(i.input)} is not a URL` }),
  tokenEnv: z.string().optional(),
  application: z.string().prefault('{{cluster}}'),
  insecure: z.boolean().prefault(false),
  appUrl: urlTemplate(APP_URL).optional().meta({ description: 'Link to an Application in the Argo CD UI, shown for each cluster of a ring: an http(s) URL with {{app}}, {{cluster}} or {{region}}, e.g. https://argocd.example.com/applications/argocd/{{app}}' }),
});

export const Delivery = z.strictObject({
  deployTime: Duration.prefault('5m').meta({ description: 'Expected time for a ring to deploy and report healthy (used by plan and the simulator)' }),
  progressDeadline: Duration.prefault('30m').meta({ description: 'A ring not synced and healthy after this long fails' }),
  gitops: GitOps.optional(),
  health: z
    .strictObject({ provider: z.enum(['simulated', 'argocd']).prefault('simulated'), argocd: ArgoCd.optional() })
    .prefault({ provider: 'simulated' }),
});

export const Traffic = z.strictObject({
  provider: z.enum(['simulated', 'haproxy']).prefault('simulated'),
  minHeadroom: z.number().positive().prefault(1.3),
  failover: z.enum(['automatic', 'manual', 'off']).prefault('manual'),
  haproxy: z
    .strictObject({
      socket: z.string().min(1),
      backend: z.string().prefault('regions'),
      backends: z.record(Residency, z.string().min(1)).optional().meta({ description: 'A backend of its own for each residency label (e.g. { EU: eu-regions }): a zone\'s users are balanced over its regions only; regions without a label stay in backend' }),
    })
    .optional(),
});

export const Hook = z.strictObject({
  command: z.array(z.string()).min(1, { error: 'a command needs at least the program' }).optional(),
  webhook: z.strictObject({ url: z.url(), method: z.enum(['POST', 'PUT', 'GET']).prefault('POST') }).optional(),
});

/** A replication group's name, also the tail of its hook steps (`replication.pause:eu`). */
const GROUP_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
export const ReplicationGroup = z.strictObject({
  name: z
    .string({ error: (i) => `${quote(i.input)} is not a replication group name (use e.g. eu)` })
    .regex(GROUP_NAME, { error: (i) => `${quote(i.input)} is not a replication group name (letters, digits, ".", "_" and "-", at most 63, e.g. eu)` }),
  regions: z.array(z.string().min(1)).min(1, { error: 'a replication group needs at least one region' }).meta({ description: 'The regions whose data replicate with each other (each region in at most one group)' }),
  residency: Residency.optional().meta({ description: 'The residency label every region of the group carries (checked); a group never spans two labels' }),
});

export const Data = z.strictObject({
  pattern: z.enum(['schema-compatible', 'region-isolated', 'feature-flag']).prefault('schema-compatible'),
  replication: z
    .strictObject({
      pause: Hook,
      resume: Hook,
      groups: z.array(ReplicationGroup).optional().meta({ description: 'Which regions replicate with which; region-isolated pauses and resumes each group on its own (hook steps replication.pause:GROUP, replication.resume:GROUP). Without groups every region replicates with every other' }),
    })
    .optional(),
  featureFlag: z.strictObject({ name: z.string().min(1), enable: Hook, disable: Hook }).optional(),
});

export const Service = z.strictObject({
  name: z.string().min(1),
  tier: z.union([z.literal(1), z.literal(2), z.literal(3)], { error: 'tier is 1 (critical), 2 (standard) or 3 (low-risk)' }).prefault(2),
});

export const PolicySpec = z.strictObject({
  service: Service,
  fleet: z.string().min(1).optional().meta({ description: 'The Fleet whose regions and windows this policy uses; exactly one of fleet and regions' }),
  regions: z.array(Region).min(1, { error: 'a policy needs at least one region' }),
  rings: z.array(Ring).min(1, { error: 'a policy needs at least one ring' }),
  gates: z.record(z.string(), Gate).prefault({}),
  metrics: Metrics.prefault({ provider: 'simulated' }),
  windows: Windows.prefault({ deploy: 'business-hours', freeze: [] }),
  delivery: Delivery.prefault({ deployTime: '5m', progressDeadline: '30m', health: { provider: 'simulated' } }),
  traffic: Traffic.prefault({ provider: 'simulated', minHeadroom: 1.3, failover: 'manual' }),
  data: Data.prefault({ pattern: 'schema-compatible' }),
  watch: z
    .strictObject({ afterComplete: Duration.prefault('0m').meta({ description: 'How long every ring stays watched by its gates after the last ring passed' }) })
    .prefault({ afterComplete: '0m' }),
  notifications: Notifications,
});

export const API_VERSION = 'meridian.dev/v1alpha1';

const header = <K extends string>(kind: K) => ({
  apiVersion: z.literal(API_VERSION, {
    error: (i) => (i.input === undefined ? `required (use ${API_VERSION})` : `${quote(i.input)} is not a supported apiVersion (use ${API_VERSION})`),
  }),
  kind: z.literal(kind, { error: (i) => (i.input === undefined ? `required (use ${kind})` : `${quote(i.input)} is not ${kind}`) }),
});

export const PolicyDocument = z
  .strictObject({
    ...header('ReleasePolicy'),
    metadata: z.strictObject({ name: z.string().min(1), labels: z.record(z.string(), z.string()).optional() }),
    spec: PolicySpec,
  })
  .meta({ title: 'Meridian ReleasePolicy', description: 'How one service is released across regions in rings.' });

/** What a fleet sets for all its services together. */
export const Concurrency = z.strictObject({
  perRegion: z.int().min(1).optional().meta({ description: 'At most this many releases with a ring deploying or baking in one region at once (default: no limit)' }),
});

export const FleetSpec = z.strictObject({
  regions: z.array(Region).min(1, { error: 'a fleet needs at least one region' }).meta({ description: 'The regions every service of the fleet is released to (the region fields of a ReleasePolicy)' }),
  windows: Windows.prefault({ deploy: 'business-hours', freeze: [] }).meta({ description: "Every service's windows: a policy's own deploy window replaces the fleet's, its own freezes add to the fleet's" }),
  concurrency: Concurrency.prefault({}),
  notifications: Notifications,
});

/** The regions and windows shared by many services; each ReleasePolicy names it with spec.fleet. */
export const FleetDocument = z
  .strictObject({
    ...header('Fleet'),
    metadata: z.strictObject({ name: z.string().min(1) }),
    spec: FleetSpec,
  })
  .meta({ title: 'Meridian Fleet', description: 'The regions and windows that many services share; each ReleasePolicy names its fleet.' });

export const CHANGE_KINDS = ['app', 'infra', 'schema'] as const;

export const ReleaseSpec = z.strictObject({
  version: z.string().min(1),
  revision: z.string().optional(),
  image: z.string().optional(),
  changes: z.array(z.enum(CHANGE_KINDS)).min(1).prefault(['app']),
  schemaPhase: z.enum(['expand', 'contract']).prefault('expand'),
});

export const ReleaseDocument = z.strictObject({
  ...header('Release'),
  metadata: z.strictObject({ name: z.string().optional() }).optional(),
  spec: ReleaseSpec,
});

export type Policy = z.output<typeof PolicyDocument>;
export type PolicyInput = z.input<typeof PolicyDocument>;
export type Fleet = z.output<typeof FleetDocument>;
export type Spec = Policy['spec'];
export type Region = z.output<typeof Region>;
export type Ring = z.output<typeof Ring>;
export type Gate = z.output<typeof Gate>;
export type Hook = z.output<typeof Hook>;
export type ReplicationGroup = z.output<typeof ReplicationGroup>;
export type Freeze = z.output<typeof Freeze>;
export type BusinessHours = z.output<typeof BusinessHours>;
export type ReleaseRequest = z.output<typeof ReleaseSpec>;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** Metric names the simulated fleet supplies. */
export const SIMULATED_METRICS = ['error_rate', 'p99_latency_ms', 'cpu', 'memory', 'qps'] as const;
