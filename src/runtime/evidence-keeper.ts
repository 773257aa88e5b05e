/**
 * @module Where the controller keeps failure evidence (failure-evidence.ts): it starts a capture
 * when a decision makes one due (a ring failed; its rollback completed), off the release's chain so
 * that no rollback waits for a metrics provider, records each part in the store once, and reads
 * the records back for a release's view. A leader that finds a part due but not recorded (it
 * stopped in between, or took over from one that did) captures it when the release is next read or
 * resumed. A replica that does not lead only reads.
 */
import type { ReleaseState } from '../engine/types.ts';
import type { Store } from '../ports.ts';
import {
  captureDetection, captureRollbackChart, evidenceDue, evidenceKey, readEvidence, type EvidenceChart, type EvidenceInputs, type EvidencePart, type FailureEvidence,
} from './failure-evidence.ts';

/** Whether a chart has a value anywhere. */
function hasData(chart: EvidenceChart | null): boolean {
  return chart !== null && chart.canary.some((c) => c.values.some((v) => v !== null));
}

/** How many releases' complete evidence stays in memory once read (the rest is read from the store again). */
const CACHED = 64;

export class EvidenceKeeper {
  readonly #store: Store;
  /** Runs a task in the background, counted by the controller's idle() and reported to its onError. */
  readonly #background: (task: () => Promise<void>) => Promise<void>;
  /** Captures under way, by record key. */
  readonly #capturing = new Map<string, Promise<void>>();
  /** Complete evidence (both parts recorded) of releases read lately, least recent first. */
  readonly #complete = new Map<string, FailureEvidence>();

  constructor(store: Store, background: (task: () => Promise<void>) => Promise<void>) {
    this.#store = store;
    this.#background = background;
  }

  /** After a recorded decision: capture what it made due (the ring failed, or its rollback completed). */
  afterDecision(id: string, before: ReleaseState | undefined, sources: () => EvidenceInputs): void {
    const due = evidenceDue(sources().state);
    if (!due) return;
    const was = before ? evidenceDue(before) : null;
    for (const part of due.parts) if (!was?.parts.includes(part)) this.#capture(id, due.ring, part, sources);
  }

  /**
   * The release's failure evidence (at most one failed ring), for its view. With `capture` (this
   * controller leads), a part that is due but not recorded is captured now, in the background.
   */
  async read(id: string, state: ReleaseState, capture: boolean, sources: () => EvidenceInputs): Promise<FailureEvidence | null> {
    const due = evidenceDue(state);
    if (!due) return null;
    const cached = this.#complete.get(id);
    if (cached) {
      this.#complete.delete(id);
      this.#complete.set(id, cached);
      return cached;
    }
    const { evidence, complete } = await readEvidence(this.#store, id, due.ring);
    if (complete && evidence) {
      this.#complete.set(id, evidence);
      if (this.#complete.size > CACHED) this.#complete.delete(this.#complete.keys().next().value!);
      return evidence;
    }
    if (capture) {
      if (!evidence) this.#capture(id, due.ring, 'detection', sources);
      if (due.parts.includes('rollback')) this.#capture(id, due.ring, 'rollback', sources);
    }
    return evidence;
  }

  /** Wait for the captures under way (the controller closes after them). */
  async settled(): Promise<void> {
    while (this.#capturing.size > 0) await Promise.all([...this.#capturing.values()]);
  }

  #capture(id: string, ring: string, part: EvidencePart, sources: () => EvidenceInputs): void {
    const key = evidenceKey(id, ring, part);
    if (this.#capturing.has(key)) return;
    const done = this.#background(async () => {
      // Recorded already (by this replica before a restart, or by another leader): the first record is the truth.
      if ((await this.#store.effectResult(key)) !== null) return;
      // Nothing could be read (the metrics provider is down): nothing is recorded, and a leader tries again when the release is next read.
      if (part === 'detection') {
        const evidence = await captureDetection(sources());
        if (evidence && (hasData(evidence.chart) || evidence.comparison.some((r) => Object.values(r.values).some((v) => v !== null)))) await this.#store.recordEffect(key, evidence);
      } else {
        const chart = await captureRollbackChart(sources());
        if (chart === null || hasData(chart)) await this.#store.recordEffect(key, { chart });
      }
    }).finally(() => this.#capturing.delete(key));
    this.#capturing.set(key, done);
  }
}
