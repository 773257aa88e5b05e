/**
 * @module Test fixtures: Argo CD Application bodies in the shape `GET /api/v1/applications/{name}`
 * returns (pkg/apis/application/v1alpha1/types.go: status.sync, status.health,
 * status.operationState, status.reconciledAt). Used only by tests; not a real Argo CD.
 */

/** The commit Meridian pushed, and the one before it. */
export const REF = '9e8d7c6f0a1b2c3d4e5f60718293a4b5c6d7e8f9';
export const OLD = '3f2a1bc9d8e7f60514233241506978a9b0c1d2e3';

export interface AppFixture {
  name?: string;
  sync?: 'Synced' | 'OutOfSync' | 'Unknown';
  /** status.sync.revision; `null` leaves it out. */
  revision?: string | null;
  /** status.sync.revisions, for multi-source Applications (then `revision` is left out). */
  revisions?: string[];
  health?: 'Healthy' | 'Progressing' | 'Degraded' | 'Suspended' | 'Missing' | 'Unknown';
  healthMessage?: string;
  reconciledAt?: string;
  /** status.operationState; leave out for none. */
  op?: {
    phase: 'Running' | 'Terminating' | 'Failed' | 'Error' | 'Succeeded';
    revision?: string;
    message?: string;
    startedAt?: string;
    finishedAt?: string;
    /** Leave syncResult out (an operation that failed before syncing anything). */
    noResult?: boolean;
  };
  /** A top-level `operation`: a sync requested and not yet finished. */
  pendingOperation?: boolean;
}

/** An Application as the Argo CD API returns it. Defaults: Synced and Healthy at REF after a successful sync. */
export function application(f: AppFixture = {}): Record<string, unknown> {
  const name = f.name ?? 'webapp-eu-west-1';
  const revision = f.revision === undefined ? REF : f.revision;
  const sync: Record<string, unknown> = {
    status: f.sync ?? 'Synced',
    comparedTo: {
      source: { repoURL: 'https://git.example.com/deploy.git', path: `clusters/${name}`, targetRevision: 'main' },
      destination: { server: 'https://kubernetes.default.svc', namespace: 'webapp' },
    },
  };
  if (f.revisions) sync['revisions'] = f.revisions;
  else if (revision !== null) sync['revision'] = revision;
  const status: Record<string, unknown> = {
    sync,
    health: { status: f.health ?? 'Healthy', ...(f.healthMessage ? { message: f.healthMessage } : {}) },
    reconciledAt: f.reconciledAt ?? '2026-03-02T09:05:00Z',
    resources: [{ version: 'v1', kind: 'Deployment', namespace: 'webapp', name: 'webapp', status: f.sync ?? 'Synced', health: { status: f.health ?? 'Healthy' } }],
    sourceType: 'Kustomize',
    controllerNamespace: 'argocd',
  };
  if (f.op) {
    const opRevision = f.op.revision ?? REF;
    const finished = f.op.phase === 'Running' || f.op.phase === 'Terminating' ? undefined : (f.op.finishedAt ?? '2026-03-02T09:04:30Z');
    status['operationState'] = {
      operation: { sync: { revision: opRevision, syncStrategy: { hook: {} } }, initiatedBy: { automated: true }, retry: {} },
      phase: f.op.phase,
      message: f.op.message ?? (f.op.phase === 'Succeeded' ? 'successfully synced (all tasks run)' : ''),
      ...(f.op.noResult ? {} : { syncResult: { resources: [], revision: opRevision, source: { repoURL: 'https://git.example.com/deploy.git' } } }),
      startedAt: f.op.startedAt ?? '2026-03-02T09:04:00Z',
      ...(finished ? { finishedAt: finished } : {}),
    };
  }
  return {
    metadata: { name, namespace: 'argocd', uid: '0b6f4d2e-0000-4000-8000-000000000000', resourceVersion: '4242' },
    spec: {
      project: 'default',
      source: { repoURL: 'https://git.example.com/deploy.git', path: `clusters/${name}`, targetRevision: 'main' },
      destination: { server: 'https://kubernetes.default.svc', namespace: 'webapp' },
      syncPolicy: { automated: { prune: true, selfHeal: true } },
    },
    status,
    ...(f.pendingOperation ? { operation: { sync: { revision: REF }, initiatedBy: { username: 'admin' } } } : {}),
  };
}
