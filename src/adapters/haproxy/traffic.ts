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
  /** The backend holding one server per region (default `regions`). */
  backend?: string;
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

export class HaproxyTraffic implements Traffic {
  readonly backend: string;
  private readonly api: HaproxyRuntimeApi;

  constructor(options: HaproxyTrafficOptions) {
    this.backend = options.backend ?? DEFAULT_BACKEND;
    if (!HAPROXY_NAME.test(this.backend)) {
      throw new AdapterError(`"${this.backend}" is not an HAProxy backend name (letters, digits, "-", "_", "." and ":" only)`, { retryable: false });
    }
    this.api = new HaproxyRuntimeApi(options);
  }

  /** The adapter for a policy with `spec.traffic.haproxy: { socket, backend }`. */
  static fromPolicy(policy: Policy, options: { timeoutMs?: number } = {}): HaproxyTraffic {
    const h = policy.spec.traffic.haproxy;
    if (!h) throw new AdapterError('spec.traffic.haproxy: { socket } is needed to drive HAProxy', { retryable: false });
    return new HaproxyTraffic({ socket: h.socket, backend: h.backend, ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) });
  }

  /** The backend's servers as `show servers state` reports them. */
  async servers(): Promise<ServerState[]> {
    const command = `show servers state ${this.backend}`;
    const reply = await this.api.command(command);
    if (!/^\d+\n/.test(`${reply}\n`)) throw replyError(command, reply);
    return parseServersState(reply).filter((s) => s.backend === this.backend);
  }

  async weights(): Promise<Record<string, number>> {
    const servers = await this.servers();
    const total = servers.reduce((sum, s) => sum + effectiveWeight(s), 0);
    return Object.fromEntries(servers.map((s) => [s.name, total > 0 ? effectiveWeight(s) / total : 0]));
  }

  async setWeights(weights: Record<string, number>): Promise<void> {
    if (Object.keys(weights).length === 0) return;
    const commands = weightCommands(this.backend, await this.servers(), weights);
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
