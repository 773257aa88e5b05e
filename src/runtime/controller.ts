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
import type { Evaluation } from '../gates/types.ts';
import { ConflictError, NotFoundError, UsageError, markAudited, refusalError } from '../errors.ts';
import { startRequestProblem } from '../policy/release-fields.ts';
import { scrubCredentials } from './audit-chain.ts';
import type { Policy } from '../policy/schema.ts';
import type { AuditEntry, Clock, Store, Timers } from '../ports.ts';
import { comparisonRows, type ComparisonRow } from './region-table.ts';
import type { Actor, EvaluationQuery, EvaluationView, LiveEvent, Page, ReleaseController, ReleaseView, StartRequest } from './controller-types.ts';
import { perform, type RuntimePorts } from './effects.ts';
import { releaseView } from './release-view.ts';
import { evaluationPage } from './evaluation-page.ts';

const SNAPSHOT_EVERY = 50;

interface Live {
  id: string;
  state: ReleaseState;
  seq: number;
  evaluations: Array<Evaluation & { ring: string }>;
  /** Inputs and effects of one release run one at a time, in order. */
  chain: Promise<void>;
  timers: Array<() => void>;
  /** Instants a wake timer is armed for. */
  armed: Set<number>;
}

export interface ControllerOptions {
  policy: Policy;
  policyText: string;
  ports: RuntimePorts;
  store: Store;
  clock: Clock & Timers;
  /** Called with errors that happen in the background (an effect that threw unexpectedly). */
  onError?: (e: unknown) => void;
}

export class Controller implements ReleaseController {
  readonly policy: Policy;
  readonly policyText: string;
  readonly #ports: RuntimePorts;
  readonly #store: Store;
  readonly #clock: Clock & Timers;
  readonly #live = new Map<string, Live>();
  readonly #listeners = new Map<string, Set<(e: LiveEvent) => void>>();
  readonly #onError: (e: unknown) => void;
  readonly #policyDigest: string;
  #closed = false;

  constructor(opts: ControllerOptions) {
    this.policy = opts.policy;
    this.policyText = opts.policyText;
    this.#ports = opts.ports;
    this.#store = opts.store;
    this.#clock = opts.clock;
    this.#onError = opts.onError ?? (() => {});
    this.#policyDigest = createHash('sha256').update(opts.policyText).digest('hex').slice(0, 16);
  }

  /** Rebuild every unfinished release from the store and carry on where it stopped. */
  async recover(): Promise<number> {
    const active = await this.#store.activeReleases();
    let resumed = 0;
    for (const rec of active) {
      const live = await this.#load(rec.id);
      if (!live) continue;
      const refusal = this.#otherPolicy(live);
      if (refusal) {
        this.#onError(new ConflictError(`${refusal}: it is not resumed`));
        continue;
      }
      resumed++;
      void this.#run(live, async () => {
        for (const effect of recoveryEffects(live.state, this.#clock.now())) await this.#effect(live, effect);
      });
    }
    return resumed;
  }

  /** Why a release must not be driven by this controller: it started under another policy. */
  #otherPolicy(live: Live): string | null {
    const digest = live.state.release.policyDigest;
    if (digest === undefined || digest === this.#policyDigest) return null;
    return `release ${live.id} started under another policy (digest ${digest}; the policy in force is ${this.#policyDigest}): restart with that policy to go on, or abort it`;
  }

  async start(req: StartRequest, actor: Actor): Promise<{ id: string }> {
    const service = this.policy.spec.service.name;
    // Every string is checked before anything is written: a refused request leaves nothing behind.
    const problem = startRequestProblem(req);
    if (problem) throw await this.#refused(actor, 'release.start', service, new UsageError(problem));
    const versions = await this.#knownVersions(service);
    const refusal = refuseRelease(this.policy, { changes: req.changes ?? ['app'], schemaPhase: req.schemaPhase ?? 'expand' }, versions);
    if (refusal) throw await this.#refused(actor, 'release.start', service, refusalError(refusal));
    const running = Object.values(versions);
    const previousVersion = running.length > 0 ? mostCommon(running) : 'unknown';
    const id = `${service}-${req.version}-${randomUUID().slice(0, 8)}`.replace(/[^A-Za-z0-9._-]/g, '-');
    const now = this.#clock.now();
    const input: EngineInput = {
      type: 'start', at: now, versions,
      release: {
        id, policyDigest: this.#policyDigest, service, version: req.version, previousVersion, changes: req.changes ?? ['app'], schemaPhase: req.schemaPhase ?? 'expand',
        ...(req.revision ? { revision: req.revision } : {}), ...(req.image ? { image: req.image } : {}),
      },
    };
    const decision = decide(null, input, this.policy);
    const audit = { at: now, actor: actor.user, action: 'release.start', target: id, outcome: 'ok' as const, detail: `${service} ${req.version}` };
    try {
      // The release, its first input and the audit entry of its start: one transaction.
      await this.#store.createRelease({ id, service, version: req.version, createdAt: now, request: req, first: { input, phase: decision.state.phase }, audit });
    } catch (e) {
      if (e instanceof ConflictError) throw await this.#refused(actor, 'release.start', service, e);
      throw e;
    }
    const live: Live = { id, state: decision.state, seq: 1, evaluations: [], chain: Promise.resolve(), timers: [], armed: new Set() };
    this.#live.set(id, live);
    await this.#run(live, () => this.#afterDecision(live, undefined, decision));
    return { id };
  }

  /** What each region of the service runs: as recorded, or else as the delivery system records it. */
  async #knownVersions(service: string): Promise<Record<string, string>> {
    const recorded = await this.#store.regionVersions(service);
    if (Object.keys(recorded).length > 0 || !this.#ports.delivery.versions) return recorded;
    try {
      return await this.#ports.delivery.versions(service, this.policy.spec.regions.map((r) => r.name));
    } catch (e) {
      this.#onError(e);
      return recorded;
    }
  }

  /** Record a refusal in the audit log and hand back the error to throw. */
  async #refused<E extends Error>(actor: Actor, action: string, target: string, e: E): Promise<E> {
    await this.#audit(actor.user, action, target, 'refused', e.message);
    return markAudited(e);
  }

  async list(): Promise<ReleaseView[]> {
    const records = await this.#store.listReleases();
    const views: ReleaseView[] = [];
    for (const r of records) {
      const live = this.#live.get(r.id) ?? (await this.#load(r.id));
      if (live) views.push(releaseView(this.policy, live.state, live.evaluations));
    }
    return views;
  }

  async get(id: string): Promise<ReleaseView> {
    const live = await this.#find(id);
    return releaseView(this.policy, live.state, live.evaluations);
  }

  async evaluations(id: string, query: EvaluationQuery): Promise<Page<EvaluationView>> {
    const live = await this.#find(id);
    return evaluationPage(live.evaluations, query);
  }

  async comparison(id: string): Promise<ComparisonRow[]> {
    const live = await this.#find(id);
    const now = this.#clock.now();
    const since: Record<string, number> = {};
    for (const e of live.state.events) {
      if (e.type !== 'ring.deploy.completed' && e.type !== 'ring.rollback.completed') continue;
      for (const region of this.policy.spec.rings.find((r) => r.name === e.ring)?.regions ?? []) since[region] = e.at;
    }
    return comparisonRows(this.policy, this.#ports.metrics, live.state.versions, live.state.release.version, now - 3_600_000, now, since);
  }

  async approve(id: string, ring: string, actor: Actor): Promise<void> {
    const live = await this.#find(id);
    await this.#operator(live, { type: 'approval', at: this.#clock.now(), ring, by: actor.user, groups: actor.groups }, actor, `release.approve ${ring}`);
  }

  async resume(id: string, actor: Actor): Promise<void> {
    const live = await this.#find(id);
    await this.#operator(live, { type: 'resume', at: this.#clock.now(), by: actor.user }, actor, 'release.resume');
  }

  async abort(id: string, actor: Actor): Promise<void> {
    const live = await this.#find(id);
    await this.#operator(live, { type: 'abort', at: this.#clock.now(), by: actor.user }, actor, 'release.abort');
  }

  async rollback(id: string, actor: Actor, ring?: string): Promise<void> {
    const live = await this.#find(id);
    const action = ring ? `release.rollback ${ring}` : 'release.rollback';
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
    for (const r of this.policy.spec.rings.filter((x) => rings.includes(x.name))) {
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
    for (;;) {
      const chains = [...this.#live.values()].map((l) => l.chain);
      await Promise.all(chains);
      if ([...this.#live.values()].every((l, i) => l.chain === chains[i])) return;
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const live of this.#live.values()) for (const cancel of live.timers) cancel();
    await Promise.all([...this.#live.values()].map((l) => l.chain));
  }

  // ---- internals ----

  async #find(id: string): Promise<Live> {
    const live = this.#live.get(id) ?? (await this.#load(id));
    if (!live) throw new NotFoundError(`release "${id}" not found`);
    return live;
  }

  /** Rebuild a release from its latest snapshot and the inputs recorded after it. */
  async #load(id: string): Promise<Live | null> {
    const cached = this.#live.get(id);
    if (cached) return cached;
    const rec = await this.#store.getRelease(id);
    if (!rec) return null;
    const snapshot = await this.#store.latestSnapshot(id);
    const inputs = await this.#store.inputs(id);
    let state: ReleaseState | null = snapshot ? (snapshot.state as ReleaseState) : null;
    const evaluations: Live['evaluations'] = [];
    for (const { seq, input } of inputs) {
      const i = input as EngineInput;
      if (!snapshot || seq > snapshot.seq) state = decide(state, i, this.policy).state;
      if (i.type === 'gates') for (const ev of i.evaluations) evaluations.push({ ...ev, ring: i.ring });
    }
    if (!state) return null;
    const live: Live = { id, state, seq: inputs.length ? inputs[inputs.length - 1]!.seq : 0, evaluations, chain: Promise.resolve(), timers: [], armed: new Set() };
    this.#live.set(id, live);
    return live;
  }

  #run(live: Live, step: () => Promise<void>): Promise<void> {
    const next = live.chain.then(step);
    live.chain = next.catch((e: unknown) => this.#onError(e));
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
    await this.#audit(actor.user, action, live.id, 'ok', '');
  }

  /** Decide, record, tell subscribers, then queue the effects. Returns the refusal, if any. */
  async #apply(live: Live, input: EngineInput): Promise<Refusal | undefined> {
    const before = live.state;
    const decision = decide(before, input, this.policy);
    if (decision.rejected !== undefined && decision.state === before) return decision.rejected;
    live.seq += 1;
    await this.#store.appendInput(live.id, live.seq, input, decision.state.phase, input.at);
    if (live.seq % SNAPSHOT_EVERY === 0) await this.#store.saveSnapshot(live.id, live.seq, decision.state);
    live.state = decision.state;
    if (input.type === 'gates') for (const ev of input.evaluations) live.evaluations.push({ ...ev, ring: input.ring });
    await this.#afterDecision(live, before, decision);
    return decision.rejected;
  }

  /** Once a decision is recorded: the versions it changed, its events to subscribers, its effects queued. */
  async #afterDecision(live: Live, before: ReleaseState | undefined, decision: Decision): Promise<void> {
    await this.#recordVersions(before, decision.state);
    const fresh = decision.state.events.slice(before?.events.length ?? 0);
    for (const event of fresh) this.#publish(live.id, { ...event, at: new Date(event.at).toISOString() });
    for (const effect of decision.effects) void this.#run(live, () => this.#effect(live, effect));
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
    const key = idempotencyKey(live.id, effect);
    const recorded = key ? ((await this.#store.effectResult(key)) as EngineInput | null) : null;
    const result = recorded ? { ...recorded, at: this.#clock.now() } : await perform(this.policy, live.state, this.#ports, effect, () => this.#clock.now());
    if (!result) return;
    if (key && !recorded && (result.type === 'deployed' || result.type === 'rolled-back' || result.type === 'hook-done')) await this.#store.recordEffect(key, result);
    await this.#apply(live, result);
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

/** Deploys, rollbacks and hooks happen once per release and ring (or step). */
function idempotencyKey(releaseId: string, effect: Effect): string | null {
  switch (effect.type) {
    case 'deploy': return `${releaseId}/${effect.ring}/deploy`;
    case 'rollback': return `${releaseId}/${effect.ring}/rollback`;
    case 'run-hook': return `${releaseId}/hook/${effect.step}`;
    default: return null;
  }
}

function mostCommon(xs: string[]): string {
  const counts = new Map<string, number>();
  for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0];
}
