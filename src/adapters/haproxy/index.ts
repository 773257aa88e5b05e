/**
 * @module The HAProxy adapter: the Traffic port over HAProxy's runtime API. Re-exports only; the
 * socket client, the `show servers state` reader and the weights live in their own modules.
 */
export { HaproxyTraffic, weightCommands, MAX_WEIGHT, DEFAULT_BACKEND, type HaproxyTrafficOptions } from './traffic.ts';
export {
  HaproxyRuntimeApi,
  parseSocketAddress,
  describeAddress,
  splitReplies,
  replyError,
  connectionError,
  DEFAULT_TIMEOUT_MS,
  type RuntimeApiOptions,
  type SocketAddress,
} from './runtime-api.ts';
export { parseServersState, effectiveWeight, outOfBalancing, ADMIN, type ServerState } from './servers-state.ts';
