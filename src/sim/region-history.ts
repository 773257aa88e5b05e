/**
 * @module What each simulated region ran, and when: version runs (a run starts when a deploy or
 * rollback finishes switching the region to a different version) and load-balancer weights over
 * time. Append-only; times never go backwards. Pure data, no clock.
 */

/** A region runs `version` over [from, to). The first run of every region starts at −∞. */
export interface Run {
  version: string;
  from: number;
  to: number;
}

/** Version runs of every region, by region position. */
export class VersionTimeline {
  private readonly runs: Run[][];

  constructor(regionCount: number, initialVersion: string) {
    this.runs = Array.from({ length: regionCount }, () => [{ version: initialVersion, from: -Infinity, to: Infinity }]);
  }

  /** The region switches to `version` at `at` (ignored when it already runs, or will run, that version). */
  switchTo(region: number, version: string, at: number): void {
    const runs = this.runs[region]!;
    const last = runs[runs.length - 1]!;
    if (last.version === version) return;
    const from = Math.max(at, last.from);
    last.to = from;
    runs.push({ version, from, to: Infinity });
  }

  /** The run in force at `t`. */
  runAt(region: number, t: number): Run {
    const runs = this.runs[region]!;
    for (let i = runs.length - 1; i > 0; i--) if (runs[i]!.from <= t) return runs[i]!;
    return runs[0]!;
  }

  /** Every run of a region, oldest first (do not modify). */
  runsOf(region: number): readonly Run[] {
    return this.runs[region]!;
  }
}

/** A step function of time per region: the value set last at or before `t`. */
export class StepTimeline {
  private readonly changes: Array<Array<{ at: number; value: number }>>;

  constructor(initial: readonly number[]) {
    this.changes = initial.map((value) => [{ at: -Infinity, value }]);
  }

  set(region: number, at: number, value: number): void {
    this.changes[region]!.push({ at, value });
  }

  valueAt(region: number, t: number): number {
    const list = this.changes[region]!;
    for (let i = list.length - 1; i > 0; i--) if (list[i]!.at <= t) return list[i]!.value;
    return list[0]!.value;
  }

  /** Every change of a region, oldest first, the first at −∞ (do not modify). */
  changesOf(region: number): ReadonlyArray<{ at: number; value: number }> {
    return this.changes[region]!;
  }

  /** The value set last. */
  current(region: number): number {
    const list = this.changes[region]!;
    return list[list.length - 1]!.value;
  }
}
