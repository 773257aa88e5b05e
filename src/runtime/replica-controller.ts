/**
 * @module The controller a replica of `serve` shows the API and the dashboard: the real one while
 * this replica holds the leader lock, otherwise a read-only view of the releases as recorded, with
 * live events found by polling. Changing calls on a replica that does not lead are refused with
 * NotLeaderError, naming the leader.
 */
import { NotFoundError, NotLeaderError } from '../errors.ts';
import type { ServicePolicy } from '../policy/fleet-config.ts';
import type { ComparisonRow } from './region-table.ts';
import type {
  Actor, EvaluationQuery, EvaluationView, FreezeRequest, FreezeView, LiveEvent, Page, ReleaseController, ReleaseQuery, ReleaseSummary, ReleaseView, ServiceRow, StartRequest,
} from './controller-types.ts';
import type { Controller } from './controller.ts';

const FOLLOWER_POLL_MS = 1000;

/**
 * What the API and the dashboard talk to. While this replica leads: its controller. Otherwise the
 * releases as recorded, read afresh from the store on every call (a replica that does not lead
 * runs nothing and keeps nothing), with live events found by polling what subscribers watch;
 * changing calls are refused with NotLeaderError, naming the leader.
 */
export class ReplicaController implements ReleaseController {
  readonly #reader: () => Controller;
  readonly #leaderName: () => Promise<string | null>;
  readonly #listeners = new Map<string, Set<(e: LiveEvent) => void>>();
  /** While following: how many events of each watched release subscribers have been given. */
  readonly #seen = new Map<string, number>();
  #leader: Controller | null = null;
  #unsubscribe: (() => void) | null = null;
  #poll: NodeJS.Timeout | null = null;
  #polling = false;

  /**
   * `reader` makes the read-only controller of a replica that does not lead; `leader` says who
   * leads instead (`HOST:PID`), or null when that is not known.
   */
  constructor(opts: { reader: () => Controller; leader: () => Promise<string | null> }) {
    this.#reader = opts.reader;
    this.#leaderName = opts.leader;
  }

  /** Lead with `controller`, or (null) stop leading. Subscribers carry on across the switch. */
  async setLeader(controller: Controller | null): Promise<void> {
    // Events recorded since the last poll go out before the new leader's.
    if (controller) await this.#pollOnce();
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#seen.clear();
    this.#leader = controller;
    if (controller) this.#unsubscribe = controller.subscribe('*', (e) => this.#publish(e));
    this.#syncPoll();
  }

  #reads(): Controller {
    return this.#leader ?? this.#reader();
  }

  async #writes(): Promise<Controller> {
    if (this.#leader) return this.#leader;
    throw new NotLeaderError(await this.#leaderName());
  }

  async start(req: StartRequest, actor: Actor): Promise<{ id: string }> {
    return (await this.#writes()).start(req, actor);
  }

  services(): readonly ServicePolicy[] {
    return this.#reads().services();
  }

  serviceOf(name: string | undefined): ServicePolicy {
    return this.#reads().serviceOf(name);
  }

  list(query?: ReleaseQuery): Promise<Page<ReleaseSummary>> {
    return this.#reads().list(query);
  }

  serviceRows(): Promise<ServiceRow[]> {
    return this.#reads().serviceRows();
  }

  freezes(): Promise<FreezeView[]> {
    return this.#reads().freezes();
  }

  async startFreeze(req: FreezeRequest, actor: Actor): Promise<{ id: string }> {
    return (await this.#writes()).startFreeze(req, actor);
  }

  async endFreeze(id: string, actor: Actor): Promise<void> {
    return (await this.#writes()).endFreeze(id, actor);
  }

  async get(id: string): Promise<ReleaseView> {
    const view = await this.#reads().get(id);
    if (!this.#leader && this.#watched(id) && !this.#seen.has(id)) this.#seen.set(id, view.events.length);
    return view;
  }

  comparison(id: string): Promise<ComparisonRow[]> {
    return this.#reads().comparison(id);
  }

  evaluations(id: string, query: EvaluationQuery): Promise<Page<EvaluationView>> {
    return this.#reads().evaluations(id, query);
  }

  async approve(id: string, ring: string, actor: Actor): Promise<void> {
    return (await this.#writes()).approve(id, ring, actor);
  }

  async resume(id: string, actor: Actor): Promise<void> {
    return (await this.#writes()).resume(id, actor);
  }

  async abort(id: string, actor: Actor): Promise<void> {
    return (await this.#writes()).abort(id, actor);
  }

  async rollback(id: string, actor: Actor, ring?: string): Promise<void> {
    return (await this.#writes()).rollback(id, actor, ring);
  }

  audit(): ReturnType<ReleaseController['audit']> {
    return this.#reads().audit();
  }

  recordRefusal(actor: string, action: string, target: string, detail: string): Promise<void> {
    return this.#reads().recordRefusal(actor, action, target, detail);
  }

  subscribe(id: string | '*', listener: (e: LiveEvent) => void): () => void {
    const set = this.#listeners.get(id) ?? new Set();
    set.add(listener);
    this.#listeners.set(id, set);
    this.#syncPoll();
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#listeners.get(id) === set) this.#listeners.delete(id);
      this.#syncPoll();
    };
  }

  /** Stops following; the leader's controller is closed by its owner. */
  async close(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#leader = null;
    this.#listeners.clear();
    this.#syncPoll();
  }

  #watched(id: string): boolean {
    return this.#listeners.has(id) || this.#listeners.has('*');
  }

  #publish(e: LiveEvent): void {
    for (const id of [e.releaseId, '*']) for (const l of this.#listeners.get(id) ?? []) l(e);
  }

  /** Poll while following and someone listens; not otherwise. */
  #syncPoll(): void {
    const wanted = !this.#leader && this.#listeners.size > 0;
    if (wanted && !this.#poll) {
      this.#poll = setInterval(() => void this.#pollOnce(), FOLLOWER_POLL_MS);
      this.#poll.unref?.();
    } else if (!wanted && this.#poll) {
      clearInterval(this.#poll);
      this.#poll = null;
    }
  }

  /** Publish the events recorded since the last look at each watched release. */
  async #pollOnce(): Promise<void> {
    if (this.#leader || this.#polling || this.#listeners.size === 0) return;
    this.#polling = true;
    try {
      const reader = this.#reader();
      // Everything watched: the newest releases (a page), where anything new happens.
      const ids = this.#listeners.has('*') ? (await reader.list()).items.map((v) => v.id) : [...this.#listeners.keys()];
      for (const id of ids) {
        let events: ReleaseView['events'];
        try {
          events = (await reader.get(id)).events;
        } catch (e) {
          if (e instanceof NotFoundError) continue;
          throw e;
        }
        const seen = this.#seen.get(id);
        this.#seen.set(id, events.length);
        if (seen === undefined) continue;
        for (const event of events.slice(seen)) this.#publish({ releaseId: id, event });
      }
    } catch {
      // The store is unreachable for now: the next poll tries again.
    } finally {
      this.#polling = false;
    }
  }
}

