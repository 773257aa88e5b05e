/**
 * @module Loading a configuration (fleet.md "Files"): many files, each a Fleet or a ReleasePolicy.
 * A policy that names a fleet gets the fleet's regions, windows and notification sinks filled into
 * its document before it is parsed, so every rule of a single policy applies to it unchanged; a problem with what the
 * fleet supplied is reported at the policy's spec.fleet, naming the fleet, and writtenAt says where
 * a field of a resolved policy was written (the fleet's file for its regions, for lint). Every
 * problem of every file is reported at once, in file order. Pure: the caller reads the files.
 */
import type { Located } from '../errors.ts';
import { PolicyError, UsageError } from '../errors.ts';
import { checkPolicy, unknownName } from './check.ts';
import { Failures, parseDraft } from './draft.ts';
import type { FleetConfig, FleetSettings, ServicePolicy } from './fleet-config.ts';
import { FLEET_PATH, checkPolicyDocument, fleetAndRegions, fleetOf, loadPolicy, locateIssues } from './load.ts';
import { FleetDocument, type Fleet } from './schema.ts';
import { lineOf, listSome, readDocument, zodIssues, type Issue, type Path, type SourceDocument } from './source.ts';

export type { FleetConfig, FleetSettings, ServicePolicy } from './fleet-config.ts';

/** One file of a configuration: its name as messages give it, and its text. */
export interface ConfigFile {
  file: string;
  text: string;
}

export interface LoadedFleet {
  settings: FleetSettings;
  fleet: Fleet;
  source: SourceDocument;
  text: string;
}

/** A service's policy with the documents its fields were written in. */
export interface LoadedService {
  service: ServicePolicy;
  /** The policy's file. */
  source: SourceDocument;
  /** The fleet it names, or null for a policy with its own regions. */
  fleet: LoadedFleet | null;
  /** The resolved policy's freezes from this index on are the fleet's (Infinity: none is). */
  fleetFreezesFrom: number;
  /** The deploy window is the fleet's (the policy gave none). */
  fleetDeploy: boolean;
  /** The resolved policy's notification sinks from this index on are the fleet's (Infinity, or absent: none is). */
  fleetNotificationsFrom?: number;
}

/** A configuration with the documents it was loaded from (for locating findings). */
export interface LoadedConfig {
  config: FleetConfig;
  services: LoadedService[];
  fleets: LoadedFleet[];
}

const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const KINDS = 'Fleet or ReleasePolicy';
const NAME_PATH: Path = ['metadata', 'name'];
const SERVICE_PATH: Path = ['spec', 'service', 'name'];

function nameAt(raw: unknown, path: Path): string | undefined {
  let v: unknown = raw;
  for (const key of path) v = isMapping(v) ? v[String(key)] : undefined;
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * The path in the fleet's document of a field of a resolved policy that came from the fleet, or
 * undefined when the policy's own document holds it.
 */
function fleetPath(path: Path, fleetFreezesFrom: number, fleetDeploy: boolean, fleetNotificationsFrom = Infinity): Path | undefined {
  if (path[0] !== 'spec') return undefined;
  if (path[1] === 'regions') return path;
  const n = path[2];
  if (path[1] === 'notifications' && typeof n === 'number' && n >= fleetNotificationsFrom) return ['spec', 'notifications', n - fleetNotificationsFrom, ...path.slice(3)];
  if (path[1] !== 'windows') return undefined;
  const i = path[3];
  if (path[2] === 'freeze' && typeof i === 'number' && i >= fleetFreezesFrom) return ['spec', 'windows', 'freeze', i - fleetFreezesFrom, ...path.slice(4)];
  if (path[2] === 'deploy' && fleetDeploy) return path;
  return undefined;
}

/** Where a field of a service's resolved policy was written: in its fleet's file (regions, the fleet's freezes and deploy window) or its own. */
export function writtenAt(service: LoadedService, path: Path): { source: SourceDocument; path: Path; inFleet: boolean } {
  const inFleet = service.fleet ? fleetPath(path, service.fleetFreezesFrom, service.fleetDeploy, service.fleetNotificationsFrom) : undefined;
  if (service.fleet && inFleet) return { source: service.fleet.source, path: inFleet, inFleet: true };
  return { source: service.source, path, inFleet: false };
}

/** A Fleet document's issues: the schema, then the region and window rules of a policy (check.ts) on what parsed. */
function checkFleetDocument(raw: unknown): { fleet: Fleet | undefined; issues: Issue[] } {
  const parsed = FleetDocument.safeParse(raw, { reportInput: true });
  if (parsed.success) {
    const { regions, windows, notifications } = parsed.data.spec;
    const issues = checkPolicy({ spec: { regions, windows, notifications } });
    return { fleet: issues.length === 0 ? parsed.data : undefined, issues };
  }
  const schemaIssues = zodIssues(parsed.error, FleetDocument);
  const spec = parseDraft(FleetDocument, raw)?.spec;
  const crossIssues = spec ? checkPolicy({ spec: { regions: spec.regions, windows: spec.windows, notifications: spec.notifications } }, new Failures(schemaIssues)) : [];
  return { fleet: undefined, issues: [...schemaIssues, ...crossIssues] };
}

/**
 * The policy document with its fleet's regions and windows filled in: the policy's own deploy
 * window, else the fleet's; the policy's own freezes, then the fleet's; the policy's own
 * notification sinks, then the fleet's. Windows or sinks the policy gives in a shape the schema
 * refuses are left as they are (the schema says what is wrong).
 */
function resolveDocument(raw: Record<string, unknown>, fleetRaw: unknown): { raw: unknown; fleetFreezesFrom: number; fleetDeploy: boolean; fleetNotificationsFrom: number } {
  const spec = raw.spec as Record<string, unknown>;
  const fleetSpec = (isMapping(fleetRaw) && isMapping(fleetRaw.spec) ? fleetRaw.spec : {});
  const resolved: Record<string, unknown> = { ...spec, regions: fleetSpec.regions };
  let fleetFreezesFrom = Infinity;
  let fleetDeploy = false;
  const fleetWindows = fleetSpec.windows;
  const own = spec.windows;
  if (isMapping(fleetWindows) && (own === undefined || isMapping(own))) {
    const windows: Record<string, unknown> = { ...own };
    if (!Object.hasOwn(windows, 'deploy') && Object.hasOwn(fleetWindows, 'deploy')) {
      windows.deploy = fleetWindows.deploy;
      fleetDeploy = true;
    }
    const fleetFreezes = Array.isArray(fleetWindows.freeze) ? fleetWindows.freeze : [];
    if (windows.freeze === undefined) {
      windows.freeze = fleetFreezes;
      fleetFreezesFrom = 0;
    } else if (Array.isArray(windows.freeze)) {
      fleetFreezesFrom = windows.freeze.length;
      windows.freeze = [...(windows.freeze as unknown[]), ...fleetFreezes];
    }
    resolved.windows = windows;
  }
  let fleetNotificationsFrom = Infinity;
  const fleetSinks = fleetSpec.notifications;
  if (Array.isArray(fleetSinks) && fleetSinks.length > 0 && (spec.notifications === undefined || Array.isArray(spec.notifications))) {
    const own = (spec.notifications ?? []) as unknown[];
    fleetNotificationsFrom = own.length;
    resolved.notifications = [...own, ...fleetSinks];
  }
  return { raw: { ...raw, spec: resolved }, fleetFreezesFrom, fleetDeploy, fleetNotificationsFrom };
}

interface ReadFile {
  file: string;
  text: string;
  source: SourceDocument | undefined;
  raw: unknown;
  problems: Located[];
}

interface Parsed extends ReadFile {
  source: SourceDocument;
}

/** The first fleet of each name, with its loaded form when it has no errors. */
interface FleetEntry {
  read: Parsed;
  loaded: LoadedFleet | undefined;
}

function unknownFleet(name: string, known: readonly string[]): string {
  return known.length > 0 ? unknownName('fleet', name, known) : `fleet "${name}" is not defined (no file of this configuration is a Fleet)`;
}

/**
 * Load a configuration with the documents it came from. Files are taken in the order given (sorted
 * by name, by the caller). Throws PolicyError with every located problem of every file, in file
 * order; UsageError when there is no file or no ReleasePolicy.
 */
export function loadConfigSources(files: readonly ConfigFile[]): LoadedConfig {
  if (files.length === 0) throw new UsageError('no files: a configuration needs at least one ReleasePolicy');
  const read: ReadFile[] = files.map(({ file, text }) => {
    try {
      const { source, raw } = readDocument(text, file);
      return { file, text, source, raw, problems: [] };
    } catch (e) {
      if (e instanceof PolicyError) return { file, text, source: undefined, raw: undefined, problems: [...e.problems] };
      throw e;
    }
  });

  const fleetFiles: Parsed[] = [];
  const policyFiles: Parsed[] = [];
  for (const r of read) {
    if (!r.source) continue;
    const p = r as Parsed;
    const kind = isMapping(r.raw) ? r.raw.kind : undefined;
    if (kind === 'Fleet') fleetFiles.push(p);
    else if (kind === 'ReleasePolicy') policyFiles.push(p);
    else {
      const given = typeof kind === 'string' ? `"${kind}"` : JSON.stringify(kind);
      const message = kind === undefined ? `required (use ${KINDS})` : `${given} is not ${KINDS} (a configuration holds only these two kinds)`;
      p.problems.push(...locateIssues(p.source, [{ path: ['kind'], message }]));
    }
  }

  const byName = new Map<string, FleetEntry>();
  const fleets: LoadedFleet[] = [];
  for (const r of fleetFiles) {
    const { fleet, issues } = checkFleetDocument(r.raw);
    const name = nameAt(r.raw, NAME_PATH);
    const first = name === undefined ? undefined : byName.get(name);
    if (first) issues.push({ path: NAME_PATH, message: `fleet "${name}" is already defined at ${first.read.file}:${lineOf(first.read.source, NAME_PATH)} (fleet names are unique)` });
    r.problems.push(...locateIssues(r.source, issues));
    const loaded = fleet && issues.length === 0
      ? { settings: { name: fleet.metadata.name, file: r.file, perRegion: fleet.spec.concurrency.perRegion ?? null }, fleet, source: r.source, text: r.text }
      : undefined;
    if (name !== undefined && !first) byName.set(name, { read: r, loaded });
    if (loaded) fleets.push(loaded);
  }

  const servicesAt = new Map<string, Parsed>();
  const services: LoadedService[] = [];
  for (const r of policyFiles) {
    const issues: Issue[] = [];
    const name = nameAt(r.raw, SERVICE_PATH);
    const first = name === undefined ? undefined : servicesAt.get(name);
    if (first) issues.push({ path: SERVICE_PATH, message: `service "${name}" already has a policy at ${first.file}:${lineOf(first.source, SERVICE_PATH)} (one policy per service)` });
    else if (name !== undefined) servicesAt.set(name, r);

    let doc = r.raw;
    let fleet: LoadedFleet | null = null;
    let fleetFreezesFrom = Infinity;
    let fleetDeploy = false;
    let fleetNotificationsFrom = Infinity;
    const named = fleetOf(r.raw);
    if (named.given && named.name !== undefined) {
      const entry = byName.get(named.name);
      if (named.withRegions) issues.push(fleetAndRegions(named.name));
      else if (!entry) issues.push({ path: FLEET_PATH, message: unknownFleet(named.name, [...byName.keys()]) });
      else if (!entry.loaded) {
        issues.push({ path: FLEET_PATH, message: `fleet "${named.name}" has errors (in ${entry.read.file}); this policy is checked once they are fixed` });
        r.problems.push(...locateIssues(r.source, issues));
        continue;
      } else {
        fleet = entry.loaded;
        ({ raw: doc, fleetFreezesFrom, fleetDeploy, fleetNotificationsFrom } = resolveDocument(r.raw as Record<string, unknown>, entry.read.raw));
      }
    }
    const checked = checkPolicyDocument(doc);
    for (const issue of checked.issues) {
      const fromFleet = fleet !== null && fleetPath(issue.path, fleetFreezesFrom, fleetDeploy, fleetNotificationsFrom) !== undefined;
      issues.push(fromFleet && fleet ? { path: FLEET_PATH, message: `fleet "${fleet.settings.name}": ${issue.message}` } : issue);
    }
    r.problems.push(...locateIssues(r.source, issues));
    if (issues.length > 0 || !checked.policy) continue;
    const policy = checked.policy;
    const text = fleet ? `${r.text}\n---\n${fleet.text}` : r.text;
    services.push({
      service: { service: policy.spec.service.name, policy, text, file: r.file, fleet: fleet ? fleet.settings.name : null },
      source: r.source,
      fleet,
      fleetFreezesFrom,
      fleetDeploy,
      fleetNotificationsFrom,
    });
  }

  const problems = read.flatMap((r) => r.problems);
  if (problems.length > 0) throw new PolicyError(problems);
  if (services.length === 0) throw new UsageError(`no ReleasePolicy in ${listSome(files.map((f) => f.file))}: a configuration needs at least one service`);
  return { config: { services: services.map((s) => s.service), fleets: fleets.map((f) => f.settings) }, services, fleets };
}

/**
 * The services of a configuration, each policy resolved against its fleet, and the fleets'
 * settings. Throws PolicyError carrying every located problem of every file; UsageError when there
 * is no file or no ReleasePolicy.
 */
export function loadConfig(files: readonly ConfigFile[]): FleetConfig {
  return loadConfigSources(files).config;
}

/** One policy file as a configuration of one service with no fleet (a policy naming a fleet is refused: loadPolicy). */
export function singlePolicyConfig(text: string, file: string): LoadedConfig {
  const { policy, source } = loadPolicy(text, file);
  const service: ServicePolicy = { service: policy.spec.service.name, policy, text, file, fleet: null };
  return {
    config: { services: [service], fleets: [] },
    services: [{ service, source, fleet: null, fleetFreezesFrom: Infinity, fleetDeploy: false }],
    fleets: [],
  };
}
