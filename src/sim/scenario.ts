/**
 * @module Loading a Scenario from YAML text: schema, defaults, and the cross-field rules (fault
 * regions, approval rings and traffic regions exist in the policy when one is given), every
 * problem located as FILE:LINE:COL. Pure: the caller reads the file.
 */
import { PolicyError, type Located } from '../errors.ts';
import type { Policy } from '../policy/schema.ts';
import { didYouMean, loadDocument, parseSource, type Issue, type SourceDocument } from '../policy/source.ts';
import { ScenarioDocument, faultFields, type Scenario } from './scenario-schema.ts';
import { trafficRegionIssues } from '../policy/traffic-weights.ts';

export type { Scenario, ScenarioFault, ScenarioApproval, ScenarioBaseline } from './scenario-schema.ts';

export interface LoadedScenario {
  scenario: Scenario;
  source: SourceDocument;
}

function unknownName(kind: string, name: string, known: readonly string[], policy: Policy): string {
  const guess = didYouMean(name, known);
  const hint = guess ? ` (did you mean "${guess}"?)` : known.length ? ` (known: ${known.join(', ')})` : '';
  return `${kind} "${name}" is not in policy ${policy.metadata.name}${hint}`;
}

/** Rules across fields, and against the policy when one is given. Returns issues; never throws. */
export function checkScenario(scenario: Scenario, policy?: Policy): Issue[] {
  const spec = scenario.spec;
  const issues: Issue[] = [];
  if (spec.horizon <= 0) issues.push({ path: ['spec', 'horizon'], message: 'the horizon must be longer than 0m' });
  if (spec.release.version === spec.release.previous) {
    issues.push({ path: ['spec', 'release', 'previous'], message: `the previous version must differ from the new one (${spec.release.version})` });
  }
  spec.faults.forEach((f, i) => {
    if ((f.kind === 'outage' || f.kind === 'metrics-gap' || f.kind === 'daily-spike') && f.duration <= 0) {
      issues.push({ path: ['spec', 'faults', i, 'duration'], message: 'the duration must be longer than 0m' });
    }
  });
  if (!policy) return issues;

  const regions = policy.spec.regions.map((r) => r.name);
  const rings = policy.spec.rings.map((r) => r.name);
  const region = (name: string, path: (string | number)[], atKey = false): void => {
    if (!regions.includes(name)) issues.push({ path, atKey, message: unknownName('region', name, regions, policy) });
  };
  spec.faults.forEach((f, i) => {
    if (f.kind === 'error-rate' || f.kind === 'latency') (f.regions ?? []).forEach((name, j) => region(name, ['spec', 'faults', i, 'regions', j]));
    if (f.kind === 'outage' || f.kind === 'metrics-gap') region(f.region, ['spec', 'faults', i, 'region']);
  });
  spec.approvals.forEach((a, i) => {
    if (!rings.includes(a.ring)) issues.push({ path: ['spec', 'approvals', i, 'ring'], message: unknownName('ring', a.ring, rings, policy) });
  });
  issues.push(...trafficRegionIssues(spec.traffic ?? {}, policy, ['spec', 'traffic']));
  return issues;
}

/**
 * zod cannot name the fields of one member of the `faults` union, so an unknown field there gets
 * its did-you-mean here, from the fields of the fault's kind.
 */
function withFaultFieldGuesses(error: PolicyError, text: string, file: string): PolicyError {
  const UNKNOWN = /^spec\.faults\[(\d+)\]\.([^.[\]]+)$/;
  let raw: { spec?: { faults?: unknown[] } } | undefined;
  const problems = error.problems.map((p): Located => {
    const m = UNKNOWN.exec(p.path);
    if (!m || p.message !== `unknown field "${m[2]}"`) return p;
    raw ??= parseSource(text, file).doc.toJS({ maxAliasCount: 100 }) as typeof raw;
    const fault = raw?.spec?.faults?.[Number(m[1])] as { kind?: unknown } | undefined;
    const guess = didYouMean(m[2]!, faultFields(String(fault?.kind)));
    return guess ? { ...p, message: `${p.message} (did you mean "${guess}"?)` } : p;
  });
  return new PolicyError(problems);
}

/** Parse a Scenario; throws PolicyError with every problem found. */
export function loadScenario(text: string, file: string, policy?: Policy): LoadedScenario {
  try {
    const { value, source } = loadDocument(text, file, ScenarioDocument, (s) => checkScenario(s, policy));
    return { scenario: value, source };
  } catch (e) {
    if (e instanceof PolicyError) throw withFaultFieldGuesses(e, text, file);
    throw e;
  }
}

/** The deploy (and rollback) time the simulated fleet uses: the scenario's, else the policy's. */
export function deployTimeOf(policy: Policy, scenario: Scenario): number {
  return scenario.spec.deployTime ?? policy.spec.delivery.deployTime;
}
