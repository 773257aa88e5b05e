/**
 * @module The controller behind `meridian serve`: runs releases in (real or scaled) time through the
 * engine, records every input in the store before acting on it, performs effects through the ports
 * with idempotency keys, resumes releases after a restart, keeps the audit log and tells subscribers
 * about every engine event. One release per service at a time. No rollout rule lives here: the
 * engine decides, the controller carries out.
 */
import { createHash, randomUUID } from 'node:crypto';
import { allowedActions, isFinished } from '../engine/actions.ts';
import { decide } from '../engine/decide.ts';
import { recoveryEffects } from '../engine/recover.ts';
import { refuseRelease } from '../engine/release-rules.ts';
import type { Decision, Effect, EngineInput, Refusal, ReleaseState } from '../engine/types.ts';
import { ConflictError, ForbiddenError, NotFoundError, UsageError, markAudited, refusalError } from '../errors.ts';
import type { FleetConfig, ServicePolicy } from '../policy/fleet-config.ts';
import { FreezeFields } from '../policy/release-fields.ts';
import { startProblem } from '../policy/forced-start.ts';
import { didYouMean, listSome } from '../policy/source.ts';
import { scrubCredentials } from './audit-chain.ts';
import type { Policy } from '../policy/schema.ts';
import type { AuditEntry, Clock, FreezeRecord, Store, Timers } from '../ports.ts';
import { comparisonRows, type ComparisonRow } from './region-table.ts';
import type {
  Actor, EvaluationQuery, EvaluationView, ForcedView, FreezeRequest, FreezeView, LiveEvent, Page, ReleaseController, ReleaseQuery, ReleaseSummary, ReleaseView, ServiceRow, StartRequest,
} from './controller-types.ts';
import { failedVersionRefusal, failuresIn, forcedDetail, forcedEvent, forcedOf, forcedView, markFailedVersions, viewWithForced, withForcedEvent } from './failed-versions.ts';
import { Admission, freezeMatches, type Claimant } from './admission.ts';
import { releasePage, releaseSummary } from './release-page.ts';
import { perform, type RuntimePorts } from './effects.ts';
import { releaseView } from './release-view.ts';
import { evaluationPage } from './evaluation-page.ts';
import { EvaluationLog } from './evaluation-log.ts';
import { Compactable, snapshotFromStore, snapshotToStore } from './release-snapshot.ts';
import { EvidenceKeeper } from './evidence-keeper.ts';
import { withFailureEvidence, type EvidenceInputs } from './failure-evidence.ts';
import { detailOf } from '../gates/threshold.ts';

const SNAPSHOT_EVERY = 50;
/** How many finished releases stay in memory once read (the rest are read from the store again). */
const RECENT_FINISHED = 32;

/** A service as the controller runs it: its policy, the digest releases record, its ports. */
interface ServiceEntry {
  config: ServicePolicy;
  digest: string;
  ports: RuntimePorts;
  perRegion: number | null;
}

interface Live {
  id: string;
  /** The service as it was when the release started (or was loaded): a reload does not change it. */
  entry: ServiceEntry;
  state: ReleaseState;
  seq: number;
  /** Its gate evaluations, compact and with a retention (evaluation-log.ts). */
  evaluations: EvaluationLog;
  /** Inputs and effects of one release run one at a time, in order. */
  chain: Promise<void>;
  timers: Array<() => void>;
  /** Instants a wake timer is armed for. */
  armed: Set<number>;
  /** Started although its version had failed (`force` with a reason); null otherwise. */
  forced: ForcedView | null;
  /** Inputs the next snapshot may let the store delete (release-snapshot.ts). */
  compactable: Compactable;
}

/** One service and its ports (tests, and `serve --policy`). */
export interface SingleService {
  policy: Policy;
  policyText: string;
  ports: RuntimePorts;
}

/** Every service of a configuration, each with ports of its own. */
export interface ManyServices {
  config: FleetConfig;
  portsFor: (service: ServicePolicy) => RuntimePorts;
}

export type ControllerOptions = (SingleService | ManyServices) & {
  store: Store;
  clock: Clock & Timers;
  /** Called with errors that happen in the background (an effect that threw unexpectedly). */
  onError?: (e: unknown) => void;
};

function digestOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

export class Controller implements ReleaseController {
  #services = new Map<string, ServiceEntry>();
  #portsFor: (service: ServicePolicy) => RuntimePorts;
  readonly #store: Store;
  readonly #clock: Clock & Timers;
  /** Releases that run (or owe a restore). */
  readonly #live = new Map<string, Live>();
  /** Finished releases read lately, least recent first (at most RECENT_FINISHED). */
  readonly #finished = new Map<string, Live>();
  readonly #listeners = new Map<string, Set<(e: LiveEvent) => void>>();
  readonly #onError: (e: unknown) => void;
  readonly #admission = new Admission();
  /** Steps queued on any release's chain and not yet done; idle() waits for none. */
  #queued = 0;
  readonly #idlers: Array<() => void> = [];
  /** Since recover(): this controller runs the releases, and its admission knows every freeze in force. */
  #leading = false;
  #closed = false;
  /** Failed rings' evidence, captured in the background and recorded in the store (failure-evidence.ts). */
  readonly #evidence: EvidenceKeeper;

  constructor(opts: ControllerOptions) {
    this.#store = opts.store;
    this.#clock = opts.clock;
    this.#onError = opts.onError ?? (() => {});
    this.#evidence = new EvidenceKeeper(this.#store, (task) => this.#background(task));
    if ('config' in opts) {
      this.#portsFor = opts.portsFor;
      this.#configure(opts.config);
    } else {
      const ports = opts.ports;
      this.#portsFor = () => ports;
      const service = opts.policy.spec.service.name;
      this.#configure({ services: [{ service, policy: opts.policy, text: opts.policyText, file: 'policy', fleet: null }], fleets: [] });
    }
  }

  /** Take a configuration: services already known keep their ports when their policy is unchanged. */
  #configure(config: FleetConfig): void {
    const next = new Map<string, ServiceEntry>();
    for (const s of config.services) {
      const digest = digestOf(s.text);
      const known = this.#services.get(s.service);
      const perRegion = s.fleet === null ? null : (config.fleets.find((f) => f.name === s.fleet)?.perRegion ?? null);
      next.set(s.service, known && known.digest === digest ? { ...known, config: s, perRegion } : { config: s, digest, ports: this.#portsFor(s), perRegion });
    }
    this.#services = next;
  }

  /**
   * Replace the configuration (`serve --config DIR` reload): releases that run keep the policy they
   * started under; new releases use the new one. The caller has checked the whole configuration.
   */
  async reload(config: FleetConfig, actor: Actor): Promise<void> {
    const before = [...this.#services.keys()];
    this.#configure(config);
    const after = [...this.#services.keys()];
    const added = after.filter((s) => !before.includes(s));
    const removed = before.filter((s) => !after.includes(s));
    const detail = `${after.length} service(s)${added.length ? `; added ${added.join(', ')}` : ''}${removed.length ? `; removed ${removed.join(', ')}` : ''}`;
    await this.#audit(auditActor(actor), 'config.reload', 'config', 'ok', detail);
    this.#wakeWaiting();
  }

  services(): readonly ServicePolicy[] {
    return [...this.#services.values()].map((e) => e.config);
  }

  serviceOf(name: string | undefined): ServicePolicy {
    return this.#entry(name).config;
  }

  #entry(name: string | undefined): ServiceEntry {
    const known = [...this.#services.keys()];
    if (name === undefined) {
      if (known.length === 1) return this.#services.get(known[0]!)!;
      throw new UsageError(`service: required, the server releases ${known.length} services (${listSome(known)})`);
    }
    const entry = this.#services.get(name);
    if (!entry) {
      const guess = didYouMean(name, known);
      throw new UsageError(`service "${name}" is not configured on this server${guess ? ` (did you mean "${guess}"?)` : ` (known: ${listSome(known)})`}`);
    }
    return entry;
  }

  /** Rebuild every unfinished release from the store and carry on where it stopped. */
  async recover(): Promise<number> {
    this.#admission.setFreezes(await this.#store.activeFreezes());
    this.#leading = true;
    const active = await this.#store.activeReleases();
    let resumed = 0;
    const lives: Live[] = [];
    for (const rec of active) {
      const entry = this.#services.get(rec.service);
      if (!entry) {
        this.#onError(new ConflictError(`release ${rec.id} is of service ${rec.service}, which is not in the configuration: it is not resumed`));
        continue;
      }
      const live = await this.#load(rec.id);
      if (!live) continue;
      const refusal = this.#otherPolicy(live);
      if (refusal) {
        this.#onError(new ConflictError(`${refusal}: it is not resumed`));
        continue;
      }
      resumed++;
      lives.push(live);
      // A failure recorded in the log but not yet as a failed version (a crash in between): recorded now, at most once.
      await this.#recordFailures(live, live.state.events);
      // Failure evidence due but not recorded (a crash in between) is captured now.
      void this.#evidence.read(live.id, live.state, true, () => this.#evidenceInputs(live)).catch((e: unknown) => this.#onError(e));
      this.#admission.update(this.#claimant(live), false);
    }
    // Releases take their places (deploying, baking) before any of them asks for more.
    for (const live of lives) {
      void this.#run(live, async () => {
        for (const effect of recoveryEffects(live.state, this.#clock.now())) await this.#effect(live, effect);
      });
    }
    return resumed;
  }

  /** Why a release must not be driven by this controller: it started under another policy. */
  #otherPolicy(live: Live): string | null {
    const digest = live.state.release.policyDigest;
    const inForce = this.#services.get(live.state.release.service)?.digest;
    if (digest === undefined || digest === inForce) return null;
    return `release ${live.id} started under another policy (digest ${digest}; the policy in force is ${inForce ?? 'none: the service is not configured'}): restart with that policy to go on, or abort it`;
  }

  /** ForbiddenError (audited) when the actor's token is limited to other services. */
  async #mayChange(actor: Actor, service: string, action: string, target: string): Promise<void> {
    if (!actor.services || actor.services.includes(service)) return;
    throw await this.#refused(actor, action, target, new ForbiddenError(`${actor.user} may change only ${listSome(actor.services)}; not ${service}`));
  }

  async start(req: StartRequest, actor: Actor): Promise<{ id: string }> {
    // Every string is checked before anything is written: a refused request leaves nothing behind.
    const problem = startProblem(req);
    if (problem) throw await this.#refused(actor, 'release.start', req.service ?? this.#soleService(), new UsageError(problem));
    let entry: ServiceEntry;
    try {
      entry = this.#entry(req.service);
    } catch (e) {
      throw await this.#refused(actor, 'release.start', req.service ?? 'service', e as UsageError);
    }
    const policy = entry.config.policy;
    const service = entry.config.service;
    await this.#mayChange(actor, service, 'release.start', service);
    // A version that failed for the service goes out again only when forced, with a reason.
    const failed = await this.#store.failedVersion(service, req.version);
    if (failed && req.force !== true) throw await this.#refused(actor, 'release.start', service, failedVersionRefusal(failed));
    const forced = failed && req.reason !== undefined ? forcedView(failed, actor.user, req.reason.trim()) : null;
    const versions = await this.#knownVersions(entry);
    const refusal = refuseRelease(policy, { changes: req.changes ?? ['app'], schemaPhase: req.schemaPhase ?? 'expand' }, versions);
    if (refusal) throw await this.#refused(actor, 'release.start', service, refusalError(refusal));
    const running = Object.values(versions);
    const previousVersion = running.length > 0 ? mostCommon(running) : 'unknown';
    const id = `${service}-${req.version}-${randomUUID().slice(0, 8)}`.replace(/[^A-Za-z0-9._-]/g, '-');
    const now = this.#clock.now();
    const input: EngineInput = {
      type: 'start', at: now, versions,
      release: {
        id, policyDigest: entry.digest, service, version: req.version, previousVersion, changes: req.changes ?? ['app'], schemaPhase: req.schemaPhase ?? 'expand',
        ...(req.revision ? { revision: req.revision } : {}), ...(req.image ? { image: req.image } : {}),
      },
    };
    const decision = decide(null, input, policy);
    const audit = { at: now, actor: auditActor(actor), action: 'release.start', target: id, outcome: 'ok' as const, detail: forced ? forcedDetail(service, req.version, forced) : `${service} ${req.version}` };
    try {
      // The release, its first input (with the forced start, which the engine does not read) and the audit entry of its start: one transaction.
      await this.#store.createRelease({ id, service, version: req.version, createdAt: now, request: req, first: { input: forced ? { ...input, forced } : input, phase: decision.state.phase }, audit });
    } catch (e) {
      if (e instanceof ConflictError) throw await this.#refused(actor, 'release.start', service, e);
      throw e;
    }
    const live: Live = { id, entry, state: decision.state, seq: 1, evaluations: new EvaluationLog(), chain: Promise.resolve(), timers: [], armed: new Set(), forced, compactable: new Compactable() };
    this.#live.set(id, live);
    await this.#run(live, () => this.#afterDecision(live, undefined, decision));
    return { id };
  }

  /** The service's name when the server has one; otherwise what an audit entry names. */
  #soleService(): string {
    return this.#services.size === 1 ? [...this.#services.keys()][0]! : 'service';
  }

  /** What each region of the service runs: as recorded, or else as the delivery system records it. */
  async #knownVersions(entry: ServiceEntry): Promise<Record<string, string>> {
    const service = entry.config.service;
    const recorded = await this.#store.regionVersions(service);
    if (Object.keys(recorded).length > 0 || !entry.ports.delivery.versions) return recorded;
    try {
      return await entry.ports.delivery.versions(service, entry.config.policy.spec.regions.map((r) => r.name));
    } catch (e) {
      this.#onError(e);
      return recorded;
    }
  }

  /** Record a refusal in the audit log and hand back the error to throw. */
  async #refused<E extends Error>(actor: Actor, action: string, target: string, e: E): Promise<E> {
    await this.#audit(auditActor(actor), action, target, 'refused', e.message);
    return markAudited(e);
  }

  async list(query: ReleaseQuery = {}): Promise<Page<ReleaseSummary>> {
    const page = await releasePage(this.#store, query, async (rec) => {
      const live = await this.#load(rec.id);
      return live ? releaseSummary(live.entry.config.policy, live.state) : null;
    });
    return { ...page, items: await markFailedVersions(this.#store, page.items) };
  }

  async serviceRows(): Promise<ServiceRow[]> {
    const rows: ServiceRow[] = [];
    for (const entry of this.#services.values()) {
      const { service, policy, fleet } = entry.config;
      const [latest] = await this.#store.listReleases({ service, limit: 1 });
      const live = latest ? await this.#load(latest.id) : null;
      rows.push({ service, tier: policy.spec.service.tier, fleet, versions: await this.#store.regionVersions(service), release: live ? releaseSummary(live.entry.config.policy, live.state) : null });
    }
    const marked = await markFailedVersions(this.#store, rows.flatMap((r) => (r.release ? [r.release] : [])));
    const byId = new Map(marked.map((m) => [m.id, m]));
    return rows.map((r) => (r.release ? { ...r, release: byId.get(r.release.id) ?? r.release } : r));
  }

  async get(id: string): Promise<ReleaseView> {
    const live = await this.#find(id);
    const policy = live.entry.config.policy;
    const regions = policy.spec.regions.map((r) => r.name);
    const holding = (await this.freezes()).filter((f) => freezeMatches(f, live.state.release.service, regions));
    const evidence = await this.#evidence.read(id, live.state, this.#leading, () => this.#evidenceInputs(live));
    return withFailureEvidence(viewWithForced(releaseView(policy, live.state, isFinished(live.state.phase) ? [] : holding, live.evaluations.counts(), this.#clock.now()), live.forced, live.state.startedAt), evidence);
  }

  async evaluations(id: string, query: EvaluationQuery): Promise<Page<EvaluationView>> {
    const live = await this.#find(id);
    const gates = live.entry.config.policy.spec.gates;
    return evaluationPage(live.evaluations, query, (e) => detailOf(e, gates[e.gate]));
  }

  async comparison(id: string): Promise<ComparisonRow[]> {
    const live = await this.#find(id);
    const policy = live.entry.config.policy;
    const now = this.#clock.now();
    const since: Record<string, number> = {};
    for (const e of live.state.events) {
      if (e.type !== 'ring.deploy.completed' && e.type !== 'ring.rollback.completed') continue;
      for (const region of policy.spec.rings.find((r) => r.name === e.ring)?.regions ?? []) since[region] = e.at;
    }
    return comparisonRows(policy, live.entry.ports.metrics, live.state.versions, live.state.release.version, now - 3_600_000, now, since);
  }

  async freezes(): Promise<FreezeView[]> {
    // The leader writes every freeze and keeps them; a reader asks the store.
    return (this.#leading ? this.#admission.freezes() : await this.#store.activeFreezes()).map(freezeView);
  }

  async startFreeze(req: FreezeRequest, actor: Actor): Promise<{ id: string }> {
    const parsed = FreezeFields.safeParse(req);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw await this.#refused(actor, 'freeze.start', 'freeze', new UsageError(`${issue.path.join('.') || 'body'}: ${issue.message}`));
    }
    const regions = [...new Set(parsed.data.regions ?? [])];
    const services = [...new Set(parsed.data.services ?? [])];
    const knownServices = [...this.#services.keys()];
    const knownRegions = [...new Set([...this.#services.values()].flatMap((e) => e.config.policy.spec.regions.map((r) => r.name)))];
    const unknown = (kind: string, name: string, known: string[]): UsageError => {
      const guess = didYouMean(name, known);
      return new UsageError(`${kind}s: "${name}" is not a ${kind} of this server${guess ? ` (did you mean "${guess}"?)` : ` (known: ${listSome(known)})`}`);
    };
    for (const s of services) if (!knownServices.includes(s)) throw await this.#refused(actor, 'freeze.start', 'freeze', unknown('service', s, knownServices));
    for (const r of regions) if (!knownRegions.includes(r)) throw await this.#refused(actor, 'freeze.start', 'freeze', unknown('region', r, knownRegions));
    if (actor.services) {
      // An operator limited to some services stops only those.
      const outside = services.length === 0 ? ['every service'] : services.filter((s) => !actor.services!.includes(s));
      if (outside.length > 0) throw await this.#refused(actor, 'freeze.start', 'freeze', new ForbiddenError(`${actor.user} may change only ${listSome(actor.services)}; a freeze of ${listSome(outside)} is not theirs to start (name --services)`));
    }
    const now = this.#clock.now();
    const freeze: FreezeRecord = { id: `frz-${randomUUID().slice(0, 8)}`, reason: parsed.data.reason.trim(), regions, services, startedAt: now, startedBy: actor.user, endedAt: null, endedBy: null };
    await this.#store.createFreeze(freeze, { at: now, actor: auditActor(actor), action: 'freeze.start', target: freeze.id, outcome: 'ok', detail: describeFreeze(freeze) });
    this.#admission.setFreezes([...this.#admission.freezes(), freeze]);
    this.#publishFleet({ at: new Date(now).toISOString(), type: 'freeze.started', detail: describeFreeze(freeze) });
    return { id: freeze.id };
  }

  async endFreeze(id: string, actor: Actor): Promise<void> {
    const freeze = (await this.#store.activeFreezes()).find((f) => f.id === id);
    if (!freeze) throw await this.#refused(actor, 'freeze.end', id.slice(0, 100), new NotFoundError(`freeze "${id.slice(0, 100)}" is not in force (meridian freeze list shows those that are)`));
    if (actor.services && (freeze.services.length === 0 || freeze.services.some((s) => !actor.services!.includes(s)))) {
      throw await this.#refused(actor, 'freeze.end', id, new ForbiddenError(`${actor.user} may change only ${listSome(actor.services)}; freeze ${id} holds ${freeze.services.length === 0 ? 'every service' : listSome(freeze.services)}`));
    }
    const now = this.#clock.now();
    const ended = await this.#store.endFreeze(id, now, actor.user, { at: now, actor: auditActor(actor), action: 'freeze.end', target: id, outcome: 'ok', detail: describeFreeze(freeze) });
    if (!ended) throw await this.#refused(actor, 'freeze.end', id, new NotFoundError(`freeze "${id}" is not in force (it ended meanwhile)`));
    this.#admission.setFreezes(this.#admission.freezes().filter((f) => f.id !== id));
    this.#publishFleet({ at: new Date(now).toISOString(), type: 'freeze.ended', detail: `${id}: ${describeFreeze(freeze)}` });
    this.#wakeWaiting();
  }

  async approve(id: string, ring: string, actor: Actor): Promise<void> {
    const live = await this.#find(id);
    await this.#mayChange(actor, live.state.release.service, `release.approve ${ring}`, id);
    await this.#operator(live, { type: 'approval', at: this.#clock.now(), ring, by: actor.user, groups: actor.groups }, actor, `release.approve ${ring}`);
  }

  async resume(id: string, actor: Actor): Promise<void> {
    const live = await this.#find(id);
    await this.#mayChange(actor, live.state.release.service, 'release.resume', id);
    await this.#operator(live, { type: 'resume', at: this.#clock.now(), by: actor.user }, actor, 'release.resume');
  }

  async abort(id: string, actor: Actor): Promise<void> {
    const live = await this.#find(id);
    await this.#mayChange(actor, live.state.release.service, 'release.abort', id);
    await this.#operator(live, { type: 'abort', at: this.#clock.now(), by: actor.user }, actor, 'release.abort');
  }

  async rollback(id: string, actor: Actor, ring?: string): Promise<void> {
    const live = await this.#find(id);
    const action = ring ? `release.rollback ${ring}` : 'release.rollback';
    await this.#mayChange(actor, live.state.release.service, action, id);
    if (isFinished(live.state.phase)) {
      const stale = await this.#laterChange(live, ring);
      if (stale) throw await this.#refused(actor, action, id, new ConflictError(stale));
    }
    const input: EngineInput = ring ? { type: 'rollback', at: this.#clock.now(), by: actor.user, ring } : { type: 'rollback', at: this.#clock.now(), by: actor.user };
    await this.#operator(live, input, actor, action);
  }

  /**
   * Why a finished release may no longer roll back its rings: another release of the service is in
   * progress, or a region of those rings runs another version since (a later release changed it).
   */
  async #laterChange(live: Live, ring: string | undefined): Promise<string | null> {
    const { service, version } = live.state.release;
    const other = (await this.#store.activeReleases()).find((r) => r.service === service && r.id !== live.id);
    if (other) return `release ${other.id} of ${service} is in progress: roll back through it, or abort it first`;
    // Only rings the engine would roll back; for any other, the engine's own refusal says why.
    const rings = allowedActions(live.state).rollback.filter((r) => ring === undefined || r === ring);
    const recorded = await this.#store.regionVersions(service);
    for (const r of live.entry.config.policy.spec.rings.filter((x) => rings.includes(x.name))) {
      for (const region of r.regions) {
        const now = recorded[region];
        if (now !== undefined && now !== version) return `${region} now runs ${now}, not ${version}: a later release changed it, so ${live.id} no longer rolls it back`;
      }
    }
    return null;
  }

  audit(): Promise<AuditEntry[]> {
    return this.#store.audit();
  }

  async recordRefusal(actor: string, action: string, target: string, detail: string): Promise<void> {
    await this.#audit(actor, action, target, 'refused', detail);
  }

  subscribe(id: string | '*', listener: (e: LiveEvent) => void): () => void {
    const set = this.#listeners.get(id) ?? new Set();
    set.add(listener);
    this.#listeners.set(id, set);
    return () => set.delete(listener);
  }

  /** Wait until every release has nothing left to do right now (tests). */
  async idle(): Promise<void> {
    // Counted, not gathered: waiting costs the same however many releases run.
    while (this.#queued > 0) await new Promise<void>((resolve) => this.#idlers.push(resolve));
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const live of this.#live.values()) for (const cancel of live.timers) cancel();
    await Promise.all([...this.#live.values()].map((l) => l.chain));
    await this.#evidence.settled();
  }

  // ---- internals ----

  async #find(id: string): Promise<Live> {
    const live = this.#live.get(id) ?? this.#recent(id) ?? (await this.#load(id));
    if (!live) throw new NotFoundError(`release "${id}" not found`);
    return live;
  }

  /** Rebuild a release from its latest snapshot and the inputs recorded after it. */
  async #load(id: string): Promise<Live | null> {
    const cached = this.#live.get(id) ?? this.#recent(id);
    if (cached) return cached;
    const rec = await this.#store.getRelease(id);
    if (!rec) return null;
    const entry = this.#services.get(rec.service);
    if (!entry) return null;
    const policy = entry.config.policy;
    const stored = await this.#store.latestSnapshot(id);
    const inputs = await this.#store.inputs(id);
    const snapshot = stored ? { seq: stored.seq, ...snapshotFromStore(stored.state) } : null;
    let state: ReleaseState | null = snapshot?.state ?? null;
    const evaluations = new EvaluationLog();
    const compactable = new Compactable();
    let forced: ForcedView | null = null;
    let counted = snapshot?.evaluationCounts === null;
    for (const { seq, input } of inputs) {
      const i = input as EngineInput;
      if (seq === 1) forced = forcedOf(input);
      // The snapshot's counts include the rounds compaction deleted: they replace those of the rounds up to it.
      if (!counted && snapshot && seq > snapshot.seq) {
        evaluations.setCounts(snapshot.evaluationCounts!);
        counted = true;
      }
      if (!snapshot || seq > snapshot.seq) state = decide(state, i, policy).state;
      if (i.type === 'gates') evaluations.push(i.ring, i.evaluations, seq);
      compactable.note(seq, i.type);
    }
    if (!counted && snapshot) evaluations.setCounts(snapshot.evaluationCounts!);
    if (!state) return null;
    const last = Math.max(inputs.at(-1)?.seq ?? 0, snapshot?.seq ?? 0);
    const live: Live = { id, entry, state, seq: last, evaluations, chain: Promise.resolve(), timers: [], armed: new Set(), forced, compactable };
    if (isFinished(state.phase) && state.pendingTraffic.length === 0) this.#remember(live);
    else this.#live.set(id, live);
    return live;
  }

  /** A finished release read lately, made most recent again. */
  #recent(id: string): Live | undefined {
    const live = this.#finished.get(id);
    if (live) {
      this.#finished.delete(id);
      this.#finished.set(id, live);
    }
    return live;
  }

  /** Keep a finished release among the RECENT_FINISHED read last; the oldest goes. */
  #remember(live: Live): void {
    this.#finished.delete(live.id);
    this.#finished.set(live.id, live);
    if (this.#finished.size > RECENT_FINISHED) this.#finished.delete(this.#finished.keys().next().value!);
  }

  /**
   * Once a finished release owes nothing (no restore to retry) and nothing of it is queued, it
   * leaves the releases that run: memory holds what runs, and a few finished ones read lately.
   */
  #retire(live: Live): void {
    const queued = live.chain;
    void queued.then(() => {
      if (live.chain !== queued || this.#live.get(live.id) !== live) return;
      if (!isFinished(live.state.phase) || live.state.pendingTraffic.length > 0 || live.timers.length > 0) return;
      this.#live.delete(live.id);
      this.#remember(live);
    });
  }

  #run(live: Live, step: () => Promise<void>): Promise<void> {
    this.#queued++;
    const next = live.chain.then(step);
    live.chain = next.catch((e: unknown) => this.#onError(e)).finally(() => {
      if (--this.#queued === 0) for (const wake of this.#idlers.splice(0)) wake();
    });
    return next;
  }

  async #operator(live: Live, input: EngineInput, actor: Actor, action: string): Promise<void> {
    const other = input.type === 'abort' ? null : this.#otherPolicy(live);
    if (other) throw await this.#refused(actor, action, live.id, new ConflictError(other));
    let refusal: Refusal | undefined;
    await this.#run(live, async () => {
      refusal = await this.#apply(live, input);
    });
    if (refusal !== undefined) throw await this.#refused(actor, action, live.id, refusalError(refusal));
    await this.#audit(auditActor(actor), action, live.id, 'ok', '');
  }

  /** Decide, record, tell subscribers, then queue the effects. Returns the refusal, if any. */
  async #apply(live: Live, input: EngineInput): Promise<Refusal | undefined> {
    const before = live.state;
    const decision = decide(before, input, live.entry.config.policy);
    if (decision.rejected !== undefined && decision.state === before) return decision.rejected;
    live.seq += 1;
    await this.#store.appendInput(live.id, live.seq, input, decision.state.phase, input.at);
    live.compactable.note(live.seq, input.type);
    if (input.type === 'gates') live.evaluations.push(input.ring, input.evaluations, live.seq);
    if (live.seq % SNAPSHOT_EVERY === 0) await this.#snapshot(live, decision.state);
    live.state = decision.state;
    this.#evidence.afterDecision(live.id, before, () => this.#evidenceInputs(live));
    await this.#afterDecision(live, before, decision, input);
    return decision.rejected;
  }

  /** Save a snapshot of the release at its last input, then delete from the store what it sums up and nothing reads. */
  async #snapshot(live: Live, state: ReleaseState): Promise<void> {
    await this.#store.saveSnapshot(live.id, live.seq, snapshotToStore(state, live.evaluations.counts()));
    const behind = live.compactable.take(live.seq, live.evaluations);
    if (behind.length > 0) await this.#store.deleteInputs(live.id, behind);
  }

  /** Once a decision is recorded: the versions it changed, its events to subscribers, its effects queued. */
  async #afterDecision(live: Live, before: ReleaseState | undefined, decision: Decision, input?: EngineInput): Promise<void> {
    // A region changes version only when a deploy or a rollback reports healthy (and at the start).
    if (!before || input?.type === 'health') await this.#recordVersions(before, decision.state);
    const { freed } = this.#admission.update(this.#claimant(live), isFinished(decision.state.phase));
    if (freed) this.#wakeWaiting();
    if (isFinished(decision.state.phase) && decision.state.pendingTraffic.length === 0) this.#retire(live);
    else if (this.#live.get(live.id) !== live) {
      // A finished release that acts again (a rollback asked of it, a restore it owes) runs again.
      this.#finished.delete(live.id);
      this.#live.set(live.id, live);
    }
    const fresh = decision.state.events.slice(before?.events.length ?? 0);
    // A ring that failed makes its version one that stays out (recorded before anything else runs).
    await this.#recordFailures(live, fresh);
    const told = !before && live.forced ? withForcedEvent(fresh, forcedEvent(live.forced, decision.state.release.version, decision.state.startedAt)) : fresh;
    for (const event of told) this.#publish(live.id, { ...event, at: new Date(event.at).toISOString() });
    for (const effect of decision.effects) void this.#run(live, () => this.#effect(live, effect));
  }

  /** Record the version as failed for each `ring.failed` among `events`; recording one twice is harmless. */
  async #recordFailures(live: Live, events: ReleaseState['events']): Promise<void> {
    for (const failure of failuresIn(live.state, events)) await this.#store.recordFailedVersion(failure);
  }

  async #recordVersions(before: ReleaseState | undefined, after: ReleaseState): Promise<void> {
    for (const [region, version] of Object.entries(after.versions)) {
      if (before?.versions[region] !== version || !before) {
        if (!before && version === after.release.previousVersion) continue;
        await this.#store.setRegionVersion(after.release.service, region, version, this.#clock.now());
      }
    }
  }

  async #effect(live: Live, effect: Effect): Promise<void> {
    // A settled release still retries the restores it owes (a failed restore is retried with backoff).
    const owed = effect.type === 'restore' || (effect.type === 'wake' && live.state.pendingTraffic.length > 0);
    if (this.#closed || (isFinished(live.state.phase) && !owed)) return;
    if (effect.type === 'wake') {
      // One timer per instant: a tick at that time does everything due then, so another is waste.
      if (live.armed.has(effect.at)) return;
      live.armed.add(effect.at);
      const cancel = this.#clock.at(effect.at, () => {
        live.armed.delete(effect.at);
        live.timers = live.timers.filter((c) => c !== cancel);
        if (!this.#closed) void this.#run(live, () => this.#apply(live, { type: 'tick', at: this.#clock.now() }).then(() => undefined));
      });
      live.timers.push(cancel);
      return;
    }
    if (effect.type === 'request-approval') return;
    if (effect.type === 'claim') {
      const answer = this.#admission.claim(this.#claimant(live), effect.ring);
      const ringState = live.state.rings.find((r) => r.name === effect.ring);
      // Held again for the same reason: nothing new to record.
      if (!answer.granted && ringState?.held === answer.detail) return;
      const at = this.#clock.now();
      await this.#apply(live, answer.granted ? { type: 'claimed', at, ring: effect.ring } : { type: 'held', at, ring: effect.ring, detail: answer.detail });
      return;
    }
    const key = idempotencyKey(live.id, effect);
    const recorded = key ? ((await this.#store.effectResult(key)) as EngineInput | null) : null;
    const result = recorded ? { ...recorded, at: this.#clock.now() } : await perform(live.entry.config.policy, live.state, live.entry.ports, effect, () => this.#clock.now());
    if (!result) return;
    if (key && !recorded && (result.type === 'deployed' || result.type === 'rolled-back' || result.type === 'hook-done')) await this.#store.recordEffect(key, result);
    await this.#apply(live, result);
  }

  /** What a failure evidence capture reads of a release, as it is when the capture runs. */
  #evidenceInputs(live: Live): EvidenceInputs {
    return { policy: live.entry.config.policy, metrics: live.entry.ports.metrics, state: live.state, evaluations: live.evaluations };
  }

  /** Run `task` beside the releases' chains: idle() waits for it, close() too; what it throws goes to onError. */
  #background(task: () => Promise<void>): Promise<void> {
    this.#queued++;
    return task().catch((e: unknown) => this.#onError(e)).finally(() => {
      if (--this.#queued === 0) for (const wake of this.#idlers.splice(0)) wake();
    });
  }

  #claimant(live: Live): Claimant {
    const { config, perRegion } = live.entry;
    return { id: live.id, service: config.service, fleet: config.fleet, perRegion, state: live.state, policy: config.policy };
  }

  /** Room may have come (a region freed, a freeze ended): releases held back ask again, in the order they started. */
  #wakeWaiting(): void {
    if (this.#closed) return;
    for (const id of this.#admission.waiting()) {
      const live = this.#live.get(id);
      if (live) void this.#run(live, () => this.#apply(live, { type: 'tick', at: this.#clock.now() }).then(() => undefined));
    }
  }

  /** What concerns every release (a freeze started or ended) goes to those who watch them all, with no release id. */
  #publishFleet(event: LiveEvent['event']): void {
    for (const l of this.#listeners.get('*') ?? []) l({ releaseId: '', event });
  }

  #publish(releaseId: string, event: LiveEvent['event']): void {
    for (const id of [releaseId, '*']) for (const l of this.#listeners.get(id) ?? []) l({ releaseId, event });
  }

  /** What people and callers sent is recorded with anything that looks like a credential removed. */
  async #audit(actor: string, action: string, target: string, outcome: 'ok' | 'refused', detail: string): Promise<void> {
    const [a, b, c, d] = [actor, action, target, detail].map(scrubCredentials) as [string, string, string, string];
    await this.#store.appendAudit({ at: this.#clock.now(), actor: a, action: b, target: c, outcome, detail: d });
  }
}

/**
 * Who the audit log says acted: the user name, and for a person signed in through the identity
 * provider also who the provider says they are (`alice (Alice Smith, subject 2482 at https://idp.example.com)`).
 */
export function auditActor(actor: Actor): string {
  if (!actor.idp) return actor.user;
  const { name, subject, issuer } = actor.idp;
  // Claims were checked at sign-in; what looks like a credential still never reaches the log.
  return scrubCredentials(`${actor.user} (${name ? `${name}, ` : ''}subject ${subject} at ${issuer})`);
}

/** Deploys, rollbacks and hooks happen once per release and ring (or step). */
function idempotencyKey(releaseId: string, effect: Effect): string | null {
  switch (effect.type) {
    case 'deploy': return `${releaseId}/${effect.ring}/deploy`;
    case 'rollback': return `${releaseId}/${effect.ring}/rollback`;
    case 'run-hook': return `${releaseId}/hook/${effect.step}`;
    default: return null;
  }
}

function freezeView(f: FreezeRecord): FreezeView {
  return { id: f.id, reason: f.reason, regions: f.regions, services: f.services, startedAt: new Date(f.startedAt).toISOString(), startedBy: f.startedBy };
}

function describeFreeze(f: FreezeRecord): string {
  return `${f.reason}; regions: ${f.regions.length ? f.regions.join(', ') : 'all'}; services: ${f.services.length ? f.services.join(', ') : 'all'}`;
}

function mostCommon(xs: string[]): string {
  const counts = new Map<string, number>();
  for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0];
}
