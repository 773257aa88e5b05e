/**
 * @module A bad version stays out. When a ring's verdict is failed (its `ring.failed` event: a gate,
 * a deploy or health that failed; never an operator's abort or rollback), the controller records
 * the version as failed for its service, once per release (the store keeps the first record).
 * Starting it again is refused with a message that says where, when and why it failed and how to go
 * ahead anyway; a start forced with a reason is kept on the release (`ReleaseView.forced`, and a
 * `release.forced` event after `release.started`). Release summaries carry the newest failure of
 * their version. Each record is one row per failed release, its reason at most 500 characters.
 */
import type { ReleaseEvent, ReleaseState } from '../engine/types.ts';
import { ConflictError } from '../errors.ts';
import { isoMinute } from '../plan/iso.ts';
import { FAILED_VERSIONS_MAX, type FailedVersionRecord, type Store } from '../ports.ts';
import type { ForcedView, ReleaseSummary, ReleaseView } from './controller-types.ts';
import { FAILED_REASON_MAX } from './memory-store.ts';

const DOWNSTREAM = /; downstream rings will not be deployed$/;

/** What a `ring.failed` event of the release records: `ring ring-1: gate error-rate: ...`. */
export function failureOf(state: ReleaseState, event: ReleaseEvent): FailedVersionRecord {
  const ring = state.rings.find((r) => r.name === event.ring);
  const what = (event.detail ?? 'failed').replace(DOWNSTREAM, '');
  const text = `ring ${event.ring ?? '?'}: ${ring?.failedGate ? 'gate ' : ''}${what}`;
  const reason = text.length > FAILED_REASON_MAX ? `${text.slice(0, FAILED_REASON_MAX - 1)}…` : text;
  return { service: state.release.service, version: state.release.version, releaseId: state.release.id, at: event.at, reason };
}

/** Every failure among `events` (the events of one decision, or all of a release). */
export function failuresIn(state: ReleaseState, events: readonly ReleaseEvent[]): FailedVersionRecord[] {
  return events.filter((e) => e.type === 'ring.failed').map((e) => failureOf(state, e));
}

/** The refusal of a start of a version that failed, saying how to go ahead anyway. */
export function failedVersionRefusal(f: FailedVersionRecord): ConflictError {
  return new ConflictError(
    `${f.service} ${f.version} failed in release ${f.releaseId} (${f.reason}) on ${isoMinute(f.at)}; to start it again, say force with a reason (meridian release start --service ${f.service} --version ${f.version} --force --reason "...")`,
  );
}

/** What a release forced past `f` keeps. */
export function forcedView(f: FailedVersionRecord, by: string, reason: string): ForcedView {
  return { by, reason, failedRelease: f.releaseId, failedAt: new Date(f.at).toISOString(), failedReason: f.reason };
}

/** The audit entry's detail of a forced start. */
export function forcedDetail(service: string, version: string, f: ForcedView): string {
  return `${service} ${version}, forced although it failed in release ${f.failedRelease}: ${f.reason}`;
}

/** The `release.forced` event of a release, right after its `release.started`. */
export function forcedEvent(forced: ForcedView, version: string, at: number): ReleaseEvent {
  return { at, type: 'release.forced', detail: `by ${forced.by} although ${version} failed in release ${forced.failedRelease}; reason: ${forced.reason}` };
}

/** `events` with the forced event after the first (`release.started`), as the view and live subscribers see them. */
export function withForcedEvent<E>(events: E[], forced: E | null): E[] {
  return forced === null ? events : [...events.slice(0, 1), forced, ...events.slice(1)];
}

/** The forced start a release's first input carries, or null. */
export function forcedOf(firstInput: unknown): ForcedView | null {
  const forced = (firstInput as { forced?: ForcedView } | null)?.forced;
  return forced && typeof forced.by === 'string' ? forced : null;
}

/** The view of a release with its forced start, when it had one. */
export function viewWithForced(view: ReleaseView, forced: ForcedView | null, startedAt: number): ReleaseView {
  if (forced === null) return { ...view, forced: null };
  const event = forcedEvent(forced, view.version, startedAt);
  return { ...view, forced, events: withForcedEvent(view.events, { ...event, at: new Date(event.at).toISOString() }) };
}

/** Summaries, each marked with the newest failure of its version when it has one: one store call per 500. */
export async function markFailedVersions(store: Store, summaries: ReleaseSummary[]): Promise<ReleaseSummary[]> {
  if (summaries.length === 0) return summaries;
  const keys = summaries.map((s) => ({ service: s.service, version: s.version }));
  const failures: FailedVersionRecord[] = [];
  for (let i = 0; i < keys.length; i += FAILED_VERSIONS_MAX) failures.push(...(await store.failedVersions(keys.slice(i, i + FAILED_VERSIONS_MAX))));
  const byKey = new Map(failures.map((f) => [`${f.service}\u0000${f.version}`, f]));
  return summaries.map((s) => {
    const f = byKey.get(`${s.service}\u0000${s.version}`);
    return f ? { ...s, versionFailed: { releaseId: f.releaseId, at: new Date(f.at).toISOString(), reason: f.reason } } : s;
  });
}
