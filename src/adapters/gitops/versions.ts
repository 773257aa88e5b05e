/**
 * @module What each region runs according to the GitOps repository: replay a service's Meridian step
 * commits, oldest first. A deploy puts its version on the regions of its subject; a rollback puts back
 * what they ran before that release's deploy of the ring. New commits say so exactly
 * (`Meridian-Version`, and `Meridian-Previous-Version` on deploys); older ones are read from their
 * subjects. Commits by hand, other services' commits and commits whose Meridian trailers are
 * missing or repeated tell nothing. Pure: log entries in, versions out.
 */
import { oneLine, PREVIOUS_VERSION_TRAILER, single, VERSION_TRAILER, type LogEntry } from './commits.ts';

/** How many of the branch's newest commits versions() reads: one git log, whatever the repository's age. */
export const VERSIONS_DEPTH = 1_000;

interface StepSubject {
  version: string;
  regions: string[];
}

/** `webapp v2.1.0: deploy ring-2 (eu-west-1, us-east-1)` of `service`, `kind` and `ring` → version and regions. */
export function parseSubject(subject: string, service: string, kind: string, ring: string): StepSubject | null {
  const prefix = `${oneLine(service)} `;
  const marker = `: ${kind} ${ring}`;
  const at = subject.lastIndexOf(marker);
  if (!subject.startsWith(prefix) || at < prefix.length) return null;
  const rest = /^(?: \((.*)\))?$/.exec(subject.slice(at + marker.length));
  if (!rest) return null;
  const version = subject.slice(prefix.length, at);
  return version === '' ? null : { version, regions: rest[1] ? rest[1].split(', ') : [] };
}

interface Deployed {
  /** The Meridian-Previous-Version trailer, when the commit has one. */
  previous: string | undefined;
  /** What each region ran just before, as far as the replay knew. */
  before: Map<string, string | undefined>;
}

/** Each of `regions` whose version the entries (newest first, as git log gives them) tell. */
export function regionVersions(entries: readonly LogEntry[], service: string, regions: readonly string[]): Record<string, string> {
  const current = new Map<string, string | undefined>();
  const deploys = new Map<string, Deployed>();
  for (const e of [...entries].reverse()) {
    if (!e.step) continue;
    const slash = e.step.step.lastIndexOf('/');
    const ring = e.step.step.slice(0, slash);
    const kind = e.step.step.slice(slash + 1);
    if (kind !== 'deploy' && kind !== 'rollback') continue;
    const parsed = parseSubject(e.subject, service, kind, ring);
    if (!parsed) continue;
    const recorded = single(e.trailers, VERSION_TRAILER);
    const key = `${e.step.release}\u0000${ring}`;
    if (kind === 'deploy') {
      deploys.set(key, { previous: single(e.trailers, PREVIOUS_VERSION_TRAILER), before: new Map(parsed.regions.map((r) => [r, current.get(r)])) });
      for (const r of parsed.regions) current.set(r, recorded ?? parsed.version);
      continue;
    }
    if (recorded !== undefined) {
      for (const r of parsed.regions) current.set(r, recorded);
      continue;
    }
    // An older rollback: back to what ran before the deploy it reverts. With no such deploy in reach
    // (nothing was reverted, or it is older than the history read), the regions are left as they were.
    const deployed = deploys.get(key);
    if (!deployed) continue;
    for (const r of parsed.regions) current.set(r, deployed.previous ?? deployed.before.get(r));
  }
  const out: Record<string, string> = {};
  for (const r of regions) {
    const v = current.get(r);
    if (v !== undefined) out[r] = v;
  }
  return out;
}
