/** @module The GitOps delivery adapter's public face: the Delivery implementation and the demo repository. */
export { GitOpsDelivery, type GitOpsDeliveryOptions } from './delivery.ts';
export { initDemoRepo, withDemoGitOps, type DemoRepoOptions } from './demo-repo.ts';
export { gitopsSettings, seedFiles } from './seed.ts';
export { setRevisions, setSyncWaves } from './applicationset.ts';
export { setImageTag } from './kustomization.ts';
export { redact } from './redact.ts';
export type { HistoryEntry } from './commits.ts';
export type { Approach, GitOpsSettings } from './layout.ts';
