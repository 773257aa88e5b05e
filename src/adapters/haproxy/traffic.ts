/**
 * @module The Traffic port over HAProxy's runtime API: one backend (default `regions`) holds one
 * server per region, named after the region. setWeights turns shares into integer weights 0–256 in
 * proportion (the largest share gets 256, a positive share at least 1) and sends, in one pipelined
 * line, `set weight BACKEND/REGION N` plus `set server BACKEND/REGION state ready` for every region
 * that serves — first — then `set weight BACKEND/REGION 0` plus `state drain` for every drained
 * region. weights() reads `show servers state BACKEND` back as shares: each server's weight over
 * the backend's total, 0 for a server in maintenance or drain. Health is not traffic: a server
 * whose health checks fail keeps its weight here (Health.regionUp answers for it).
 * Servers of the backend not named in setWeights keep their weight and state.
 *
 * Residency zones (`spec.traffic.haproxy.backends: { EU: eu-regions }`): one backend balances all
 * of its users over all of its servers, so a zone's regions sit in a backend of their own (its
 * frontend takes the zone's users). setWeights then weights each backend's servers among
 * themselves, in one pipelined line for every backend, and weights() reads each backend's weights
 * back as shares of global users: a server's share of its backend times the users of the regions
 * the backend serves. Draining the last serving server of a backend is refused, as for one backend.
 */
import { AdapterError } from '../../errors.ts';
import { integerWeights } from '../../plan/front-door.ts';
import type { Policy } from '../../policy/schema.ts';
import type { Traffic } from '../../ports.ts';
import { HAPROXY_NAME, HaproxyRuntimeApi, replyError, type RuntimeApiOptions } from './runtime-api.ts';
import { effectiveWeight, parseServersState, type ServerState } from './servers-state.ts';

/** HAProxy's largest server weight. */
export const MAX_WEIGHT = 256;
export const DEFAULT_BACKEND = 'regions';

export interface HaproxyTrafficOptions extends RuntimeApiOptions {
  /** The backend holding one server per region (default `regions`); with `zones`, the unrestricted regions'. */
  backend?: string;
  /** Backends of their own (one per residency zone): each backend's regions and their share of global users. */
  zones?: Array<{ backend: string; regions: Record<string, number> }>;
  /** With `zones`: the users of the regions in `backend`, by region. */
  unrestricted?: Record<string, number>;
}

/** The runtime API commands that give `servers` (the backend's current state) the target weights. */
export function weightCommands(backend: string, servers: readonly ServerState[], shares: Record<string, number>): string[] {
  for (const [region, share] of Object.entries(shares)) {
    if (!Number.isFinite(share) || share < 0) throw new AdapterError(`the weight of ${region} must be a number ≥ 0 (got ${share})`, { retryable: false });
  }
  const known = new Set(servers.map((s) => s.name));
  const unknown = Object.keys(shares).filter((r) => !known.has(r));
  if (unknown.length > 0) {
    const list = servers.map((s) => s.name).join(', ') || 'none';
    throw new AdapterError(
      `HAProxy backend "${backend}" has no server named ${unknown.map((u) => `"${u}"`).join(', ')} (its servers: ${list}); each region needs a server of the same name`,
      { retryable: false },
    );
  }
  const targets = integerWeights(shares, MAX_WEIGHT);
  const after = servers.map((s) => targets[s.name] ?? effectiveWeight(s));
  if (servers.length > 0 && after.every((w) => w === 0)) {
    throw new AdapterError(`refusing to give every server of HAProxy backend "${backend}" weight 0: nothing would serve users`, { retryable: false });
  }
  const entries = Object.entries(targets);
  const serving = entries.filter(([, w]) => w > 0).flatMap(([r, w]) => [`set weight ${backend}/${r} ${w}`, `set server ${backend}/${r} state ready`]);
  const drained = entries.filter(([, w]) => w === 0).flatMap(([r]) => [`set weight ${backend}/${r} 0`, `set server ${backend}/${r} state drain`]);
  return [...serving, ...drained];
}

/** One backend and the users of the regions it serves (null: not known, the backend is the only one). */
interface BackendUsers {
  backend: string;
  users: Record<string, number> | null;
}

function checkBackendName(backend: string): void {
  if (!HAPROXY_NAME.test(backend)) {
    throw new AdapterError(`"${backend}" is not an HAProxy backend name (letters, digits, "-", "_", "." and ":" only)`, { retryable: false });
  }
}

export class HaproxyTraffic implements Traffic {
  readonly backend: string;
  /** Every backend driven, the unrestricted one first (when it serves a region, or is the only one). */
  readonly backends: readonly BackendUsers[];
  private readonly api: HaproxyRuntimeApi;

  constructor(options: HaproxyTrafficOptions) {
    this.backend = options.backend ?? DEFAULT_BACKEND;
    checkBackendName(this.backend);
    const zones = options.zones ?? [];
    for (const z of zones) checkBackendName(z.backend);
    const unrestricted = options.unrestricted ?? {};
    this.backends = zones.length === 0
      ? [{ backend: this.backend, users: null }]
      : [...(Object.keys(unrestricted).length > 0 ? [{ backend: this.backend, users: unrestricted }] : []), ...zones.map((z) => ({ backend: z.backend, users: z.regions }))];
    this.api = new HaproxyRuntimeApi(options);
  }

  /**
   * The adapter for a policy with `spec.traffic.haproxy: { socket, backend, backends }`: a region
   * of a residency zone in the backend `backends` names for its zone, the others in `backend`.
   */
  static fromPolicy(policy: Policy, options: { timeoutMs?: number } = {}): HaproxyTraffic {
    const h = policy.spec.traffic.haproxy;
    if (!h) throw new AdapterError('spec.traffic.haproxy: { socket } is needed to drive HAProxy', { retryable: false });
    const zones = new Map<string, Record<string, number>>();
    const unrestricted: Record<string, number> = {};
    for (const r of policy.spec.regions) {
      if (r.internal) continue;
      const own = r.residency === undefined ? undefined : h.backends?.[r.residency];
      if (own === undefined) unrestricted[r.name] = r.userShare ?? 0;
      else zones.set(own, { ...(zones.get(own) ?? {}), [r.name]: r.userShare ?? 0 });
    }
    return new HaproxyTraffic({
      socket: h.socket,
      backend: h.backend,
      ...(zones.size > 0 ? { zones: [...zones].map(([backend, regions]) => ({ backend, regions })), unrestricted } : {}),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
  }

  /** A backend's servers (default: the unrestricted one's) as `show servers state` reports them. */
  async servers(backend: string = this.backend): Promise<ServerState[]> {
    const command = `show servers state ${backend}`;
    const reply = await this.api.command(command);
    if (!/^\d+\n/.test(`${reply}\n`)) throw replyError(command, reply);
    return parseServersState(reply).filter((s) => s.backend === backend);
  }

  async weights(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const { backend, users } of this.backends) {
      const servers = await this.servers(backend);
      const total = servers.reduce((sum, s) => sum + effectiveWeight(s), 0);
      // A backend's servers share its users: the whole of them when it is the only backend.
      const served = users === null ? 1 : Object.values(users).reduce((a, b) => a + b, 0);
      for (const s of servers) out[s.name] = total > 0 ? (effectiveWeight(s) / total) * served : 0;
    }
    return out;
  }

  /** The backend a region's server is in. */
  private backendOf(region: string): string {
    for (const b of this.backends) if (b.users !== null && Object.hasOwn(b.users, region)) return b.backend;
    return this.backend;
  }

  async setWeights(weights: Record<string, number>): Promise<void> {
    if (Object.keys(weights).length === 0) return;
    const byBackend = new Map<string, Record<string, number>>();
    for (const [region, share] of Object.entries(weights)) {
      const backend = this.backendOf(region);
      byBackend.set(backend, { ...(byBackend.get(backend) ?? {}), [region]: share });
    }
    // Every backend is read and checked before any weight changes.
    const commands: string[] = [];
    for (const [backend, shares] of byBackend) commands.push(...weightCommands(backend, await this.servers(backend), shares));
    const replies = await this.api.run(commands);
    const failures = commands.flatMap((c, i) => (replies[i] === '' ? [] : [replyError(c, replies[i]!)]));
    const denied = failures.find((f) => f.message.includes(': Permission denied'));
    if (denied) throw denied;
    if (failures.length === 1) throw failures[0]!;
    if (failures.length > 1) {
      throw new AdapterError(`HAProxy refused ${failures.length} of ${commands.length} weight changes: ${failures.map((f) => f.message).join('; ')}`, {
        retryable: false,
        cause: failures[0],
      });
    }
  }
}
