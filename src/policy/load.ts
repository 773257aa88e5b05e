/**
 * @module Loading a ReleasePolicy or Release from YAML text: schema, defaults, cross-field checks,
 * every problem located as FILE:LINE:COL. Also the check of a policy document as plain values,
 * which a configuration of many files (fleet.ts) runs after filling in a policy's fleet. Pure: the
 * caller reads the file.
 */
import type { Located } from '../errors.ts';
import { PolicyError } from '../errors.ts';
import { checkPolicy } from './check.ts';
import { Failures, parseDraft } from './draft.ts';
import { PolicyDocument, ReleaseDocument, type Policy, type ReleaseRequest } from './schema.ts';
import { loadDocument, locate, readDocument, zodIssues, type Issue, type SourceDocument } from './source.ts';

export interface LoadedPolicy {
  policy: Policy;
  source: SourceDocument;
}

const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What a policy document (plain values) says about its fleet: whether it names one, which, and whether it also lists regions. */
export function fleetOf(raw: unknown): { given: false } | { given: true; name: string | undefined; withRegions: boolean } {
  const spec = isMapping(raw) ? raw.spec : undefined;
  if (!isMapping(spec) || !Object.hasOwn(spec, 'fleet')) return { given: false };
  const name = typeof spec.fleet === 'string' && spec.fleet !== '' ? spec.fleet : undefined;
  return { given: true, name, withRegions: Object.hasOwn(spec, 'regions') };
}

export const FLEET_PATH = ['spec', 'fleet'] as const;

/** The issue of a policy that names a fleet and also lists regions. */
export function fleetAndRegions(fleet: string): Issue {
  return { path: FLEET_PATH, message: `a policy names a fleet or lists its own regions, not both (remove spec.regions to take the regions of fleet "${fleet}")` };
}

/**
 * The issues of a ReleasePolicy document given as plain values: schema errors and, on whatever
 * parsed, the cross-field ones; the policy when there are none. A document that names a fleet is
 * not told that its regions are missing: the caller says what is wrong with the fleet instead.
 */
export function checkPolicyDocument(raw: unknown): { policy: Policy | undefined; issues: Issue[] } {
  const parsed = PolicyDocument.safeParse(raw, { reportInput: true });
  if (parsed.success) {
    const issues = checkPolicy(parsed.data);
    return { policy: issues.length === 0 ? parsed.data : undefined, issues };
  }
  let schemaIssues = zodIssues(parsed.error, PolicyDocument);
  if (fleetOf(raw).given) {
    schemaIssues = schemaIssues.filter((i) => !(i.path.length === 2 && i.path[0] === 'spec' && i.path[1] === 'regions' && i.message.startsWith('required')));
  }
  const draft = parseDraft(PolicyDocument, raw);
  const crossIssues = draft === undefined ? [] : checkPolicy(draft, new Failures(schemaIssues));
  return { policy: undefined, issues: [...schemaIssues, ...crossIssues] };
}

/** Issues located in their file, each once (same place, path and message), in order. */
export function locateIssues(source: SourceDocument, issues: readonly Issue[]): Located[] {
  const seen = new Set<string>();
  return issues.map((i) => locate(source, i)).filter((l) => {
    const key = `${l.line}:${l.col}:${l.path}:${l.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Throws PolicyError with every problem found: schema errors and, on whatever parts of the
 * document did parse, the cross-field ones, together. A policy that names a fleet is refused at
 * spec.fleet: its regions are in the Fleet, which only a configuration directory holds.
 */
export function loadPolicy(text: string, file: string): LoadedPolicy {
  const { source, raw } = readDocument(text, file);
  if (isMapping(raw) && raw.kind === 'Fleet') {
    throw new PolicyError(locateIssues(source, [{
      path: ['kind'],
      message: 'a Fleet is loaded with the policies that name it: validate or serve the directory that holds them (meridian validate DIR, meridian serve --config DIR)',
    }]));
  }
  const issues: Issue[] = [];
  const fleet = fleetOf(raw);
  if (fleet.given && fleet.name !== undefined) {
    issues.push(fleet.withRegions
      ? fleetAndRegions(fleet.name)
      : {
        path: FLEET_PATH,
        message: `this policy takes its regions from fleet "${fleet.name}", which is defined in another file: validate or serve the directory that holds the Fleet and this policy (meridian validate DIR, meridian serve --config DIR)`,
      });
  }
  const checked = checkPolicyDocument(raw);
  issues.push(...checked.issues);
  if (issues.length > 0 || !checked.policy) throw new PolicyError(locateIssues(source, issues));
  return { policy: checked.policy, source };
}

export function loadRelease(text: string, file: string): { release: ReleaseRequest; source: SourceDocument } {
  const { value, source } = loadDocument(text, file, ReleaseDocument);
  return { release: value.spec, source };
}
