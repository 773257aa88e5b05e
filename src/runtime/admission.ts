/**
 * @module Room for a ring to start deploying, across every release the server runs (fleet.md "Many
 * releases at once", "Stop the line"): no ring starts under a freeze a person started that matches
 * its service and regions, and no region has more than its fleet's `concurrency.perRegion` releases
 * deploying or baking. Releases held back wait in the order they started: a later release does not
 * take a region's last place while an earlier one waits for it. Rollbacks, drains and halts never
 * come here. Kept in memory by the leader; freezes are durable in the store.
 */
import type { ReleaseState } from '../engine/types.ts';
import type { FreezeRecord } from '../ports.ts';
import type { Policy } from '../policy/schema.ts';

/** What admission knows of a release. */
interface Holder {
  id: string;
  service: string;
  startedAt: number;
  /** `fleet/region` keys of the regions it deploys or bakes in now. */
  occupies: string[];
  /** While held back: the ring it waits to deploy and that ring's region keys and names. */
  waiting: { ring: string; keys: string[]; regions: string[] } | null;
}

export interface Claimant {
  id: string;
  service: string;
  /** The service's fleet (null: its own regions, shared with no other service). */
  fleet: string | null;
  /** The fleet's limit per region; null: none. */
  perRegion: number | null;
  state: ReleaseState;
  policy: Policy;
}

export type ClaimAnswer = { granted: true } | { granted: false; detail: string };

const key = (c: Pick<Claimant, 'fleet' | 'service'>, region: string): string => `${c.fleet ?? `service:${c.service}`}/${region}`;

/** Whether a freeze holds a ring of `service` over `regions`. */
export function freezeMatches(f: Pick<FreezeRecord, 'regions' | 'services'>, service: string, regions: readonly string[]): boolean {
  return (f.services.length === 0 || f.services.includes(service)) && (f.regions.length === 0 || regions.some((r) => f.regions.includes(r)));
}

export class Admission {
  #freezes: FreezeRecord[] = [];
  readonly #holders = new Map<string, Holder>();

  setFreezes(freezes: FreezeRecord[]): void {
    this.#freezes = [...freezes];
  }

  freezes(): readonly FreezeRecord[] {
    return this.#freezes;
  }

  /** After every decision of a release: the regions it now deploys or bakes in; a release that finished is forgotten. */
  update(c: Claimant, finished: boolean): { freed: boolean } {
    const before = this.#holders.get(c.id);
    if (finished) {
      this.#holders.delete(c.id);
      return { freed: (before?.occupies.length ?? 0) > 0 || before?.waiting != null };
    }
    const occupies: string[] = [];
    c.state.rings.forEach((ringState, i) => {
      if (ringState.status !== 'deploying' && ringState.status !== 'baking') return;
      for (const region of c.policy.spec.rings[i]!.regions) occupies.push(key(c, region));
    });
    const current = c.state.rings[c.state.current];
    // Still waiting only while the ring it was held for waits for room.
    const waiting = before?.waiting && current?.name === before.waiting.ring && current.status === 'waiting-window' && current.waitUntil === null && current.held ? before.waiting : null;
    this.#holders.set(c.id, { id: c.id, service: c.service, startedAt: c.state.startedAt, occupies, waiting });
    return { freed: occupies.length < (before?.occupies.length ?? 0) };
  }

  /** May `ring` of the release start deploying now? A yes takes its regions' places at once. */
  claim(c: Claimant, ring: string): ClaimAnswer {
    const regions = c.policy.spec.rings.find((r) => r.name === ring)?.regions ?? [];
    const keys = regions.map((r) => key(c, r));
    const holder: Holder = this.#holders.get(c.id) ?? { id: c.id, service: c.service, startedAt: c.state.startedAt, occupies: [], waiting: null };
    this.#holders.set(c.id, holder);
    const hold = (detail: string): ClaimAnswer => {
      holder.waiting = { ring, keys, regions };
      return { granted: false, detail };
    };
    const frozen = this.#freezes.find((f) => freezeMatches(f, c.service, regions));
    if (frozen) return hold(`frozen: ${frozen.reason}`);
    if (c.perRegion !== null) {
      const earlier = this.#waitingBefore(holder);
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!;
        let busy = 0;
        for (const h of this.#holders.values()) if (h.id !== c.id && h.occupies.includes(k)) busy++;
        const ahead = earlier.filter((h) => h.waiting!.keys.includes(k)).length;
        if (busy + ahead >= c.perRegion) {
          const deploying = `${busy} release${busy === 1 ? '' : 's'} deploying or baking`;
          return hold(`region busy: ${regions[i]} has ${deploying}${ahead > 0 ? ` and ${ahead} waiting ahead` : ''}`);
        }
      }
    }
    holder.waiting = null;
    holder.occupies = [...new Set([...holder.occupies, ...keys])];
    return { granted: true };
  }

  /** Releases held back, in the order they started: the ones to ask again once room may have come. */
  waiting(): string[] {
    return [...this.#holders.values()].filter((h) => h.waiting).sort(byStart).map((h) => h.id);
  }

  /** Earlier releases waiting for room that no freeze holds (a frozen one keeps no place). */
  #waitingBefore(holder: Holder): Holder[] {
    return [...this.#holders.values()].filter(
      (h) => h.id !== holder.id && h.waiting && byStart(h, holder) < 0 && !this.#freezes.some((f) => freezeMatches(f, h.service, h.waiting!.regions)),
    );
  }
}

function byStart(a: Pick<Holder, 'startedAt' | 'id'>, b: Pick<Holder, 'startedAt' | 'id'>): number {
  return a.startedAt - b.startedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
