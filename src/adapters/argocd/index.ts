/**
 * @module The Argo CD adapter: the Health port over Argo CD's REST API. Re-exports only; the
 * judging, naming and HTTP live in their own modules.
 */
export { ArgoCdHealth, type ArgoCdHealthOptions } from './health.ts';
export { ArgoCdClient, DEFAULT_TIMEOUT_MS, type ArgoCdClientOptions } from './client.ts';
export { judgeApplication, sameRevision, shortRevision, type Judgement } from './judge.ts';
export { renderApplicationName, splitApplicationName, type ApplicationRef } from './application-name.ts';
