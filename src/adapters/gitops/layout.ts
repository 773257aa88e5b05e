/**
 * @module Where a ring's deploy edits the GitOps repository, per approach: the ApplicationSet file
 * (applicationset-revision, sync-wave) or the ring's overlay kustomization (kustomize-overlay). Reads
 * and writes files in the working clone; the edits themselves are the pure functions beside it.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { AdapterError } from '../../errors.ts';
import type { Policy } from '../../policy/schema.ts';
import type { RingTarget } from '../../ports.ts';
import { setRevisions, setSyncWaves } from './applicationset.ts';
import { setImageTag } from './kustomization.ts';

export type GitOpsSettings = NonNullable<Policy['spec']['delivery']['gitops']>;
export type Approach = GitOpsSettings['approach'];

export const DEFAULT_APPLICATIONSET = 'deploy/applicationset.yaml';
export const DEFAULT_OVERLAYS = 'deploy/overlays/{{ring}}';
/** The file names kustomize accepts for a kustomization, in its order of preference. */
export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

function refuse(message: string): AdapterError {
  return new AdapterError(message, { retryable: false });
}

/** A repository-relative path, checked to stay inside the repository. */
function inside(root: string, path: string, what: string): string {
  const rel = relative(root, resolve(root, path));
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw refuse(`${what} "${path}" is outside the GitOps repository`);
  return rel.split('\\').join('/');
}

/** The overlay directory of a ring: `overlays` with `{{ring}}` replaced. */
export function overlayDir(settings: GitOpsSettings, ring: string, root = '/'): string {
  const template = settings.overlays ?? DEFAULT_OVERLAYS;
  if (!template.includes('{{ring}}')) throw refuse(`spec.delivery.gitops.overlays "${template}" has no {{ring}}: each ring needs its own overlay directory`);
  return inside(root, template.split('{{ring}}').join(ring), 'overlay');
}

/** The kustomization file of an overlay directory, or an error naming what was expected. */
export function kustomizationOf(root: string, dir: string, ring: string): string {
  const name = KUSTOMIZATION_FILES.find((f) => existsSync(join(root, dir, f)));
  if (!name) throw refuse(`${dir}: no kustomization.yaml (expected the overlay of ${ring} at ${dir}/kustomization.yaml)`);
  return `${dir}/${name}`;
}

export interface FileChange {
  path: string;
  changed: boolean;
}

/** Apply a ring's deploy to the working tree at `root`; returns the files it looked at. */
export async function applyDeploy(root: string, settings: GitOpsSettings, target: RingTarget): Promise<FileChange[]> {
  const clusters = target.clusters.map((c) => c.name);
  const revision = target.revision ?? target.version;
  let path: string;
  let edit: (text: string) => string;
  switch (settings.approach) {
    case 'applicationset-revision':
    case 'sync-wave': {
      path = inside(root, settings.applicationSet ?? DEFAULT_APPLICATIONSET, 'applicationSet');
      const file = path;
      edit = settings.approach === 'sync-wave'
        ? (t) => setSyncWaves(t, file, clusters, revision, target.ringIndex)
        : (t) => setRevisions(t, file, clusters, revision);
      break;
    }
    case 'kustomize-overlay': {
      const image = settings.image;
      if (!image) throw refuse('spec.delivery.gitops.image is required by kustomize-overlay (the image whose tag a deploy sets)');
      path = kustomizationOf(root, overlayDir(settings, target.ring, root), target.ring);
      const file = path;
      edit = (t) => setImageTag(t, file, image, target.image ?? target.version);
      break;
    }
  }
  const full = join(root, path);
  if (!existsSync(full)) throw refuse(`${path}: not found in the GitOps repository (expected the ApplicationSet of ${target.service})`);
  const before = await readFile(full, 'utf8');
  const after = edit(before);
  if (after !== before) await writeFile(full, after);
  return [{ path, changed: after !== before }];
}
