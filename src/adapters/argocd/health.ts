/**
 * @module The Health port over Argo CD: for each cluster of a ring, reads the Application named by
 * the policy's template and judges it against the commit delivery pushed (judge.ts). Healthy only
 * when every Application is done; failed when any reports a hard failure for that commit. The
 * detail names each cluster that is not done and why, on one line, with the token redacted from
 * whatever the Applications say. Errors reaching Argo CD are thrown as AdapterError (client.ts);
 * what an Application says is an outcome, never an error.
 */
import { AdapterError } from '../../errors.ts';
import type { Policy } from '../../policy/schema.ts';
import type { Health, HealthReport, RingTarget } from '../../ports.ts';
import { renderApplicationName, splitApplicationName } from './application-name.ts';
import { ArgoCdClient } from './client.ts';
import { judgeApplication, shortRevision, type Judgement } from './judge.ts';

export interface ArgoCdHealthOptions {
  /** Where the token variable is read (at each call). Defaults to `process.env`. */
  env?: Record<string, string | undefined>;
  /** Defaults to Node's global fetch. */
  fetch?: typeof fetch;
  /** Per request; defaults to 10s. */
  timeoutMs?: number;
}

export class ArgoCdHealth implements Health {
  private readonly client: ArgoCdClient;
  private readonly template: string;

  constructor(policy: Policy, opts: ArgoCdHealthOptions = {}) {
    const argocd = policy.spec.delivery.health.argocd;
    if (argocd === undefined) {
      throw new AdapterError('spec.delivery.health.argocd is not set: the Argo CD health check needs its url', { retryable: false });
    }
    this.template = argocd.application;
    this.client = new ArgoCdClient({
      url: argocd.url,
      insecure: argocd.insecure,
      ...(argocd.tokenEnv !== undefined ? { tokenEnv: argocd.tokenEnv } : {}),
      ...(opts.env !== undefined ? { env: opts.env } : {}),
      ...(opts.fetch !== undefined ? { fetch: opts.fetch } : {}),
      ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    });
  }

  /** The Application name each cluster of the ring is checked under, in cluster order. */
  applicationNames(target: RingTarget): string[] {
    return target.clusters.map((c) => renderApplicationName(this.template, c, target.ring));
  }

  async status(target: RingTarget, ref: string): Promise<HealthReport> {
    if (target.clusters.length === 0) {
      throw new AdapterError(`ring "${target.ring}" has no clusters to check in Argo CD`, { retryable: false });
    }
    const names = this.applicationNames(target);
    const apps = await Promise.all(names.map((n) => this.client.getApplication(splitApplicationName(n))));
    const secrets = this.client.secrets();
    const judged: { cluster: string; judgement: Judgement }[] = target.clusters.map((c, i) => ({
      cluster: c.name,
      judgement: judgeApplication(apps[i], ref, secrets),
    }));
    const pending = judged.filter((j) => !j.judgement.done);
    const healthy = pending.length === 0;
    const failed = judged.some((j) => j.judgement.failed);
    const detail = healthy
      ? `${judged.length === 1 ? judged[0]!.cluster : `all ${judged.length} clusters`}: Synced to ${shortRevision(ref)} and Healthy`
      : pending.map((j) => `${j.cluster}: ${j.judgement.reason}`).join('; ');
    return { healthy, failed, detail };
  }
}
