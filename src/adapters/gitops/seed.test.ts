/** @module Tests of the seeded repository content: examples/gitops is exactly what the example policy seeds, and each layout accepts a deploy. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { setRevisions, setSyncWaves } from './applicationset.ts';
import { setImageTag } from './kustomization.ts';
import { gitopsSettings, seedFiles } from './seed.ts';
import { EXAMPLES, webappPolicy } from './testing.ts';

describe('seedFiles', () => {
  for (const approach of ['applicationset-revision', 'kustomize-overlay', 'sync-wave'] as const) {
    it(`writes examples/gitops/${approach} for examples/webapp.yaml`, async () => {
      const policy = await webappPolicy('./gitops', approach);
      const files = seedFiles(policy, gitopsSettings(policy), 'v2.0.0');
      for (const [path, text] of Object.entries(files)) expect(readFileSync(join(EXAMPLES, 'gitops', approach, path), 'utf8')).toBe(text);
    });
  }

  it('seeds files that the edits accept and change in one line', async () => {
    const files = (approach: 'applicationset-revision' | 'kustomize-overlay' | 'sync-wave') =>
      webappPolicy('./gitops', approach).then((p) => seedFiles(p, gitopsSettings(p), 'v2.0.0'));
    const appset = (await files('applicationset-revision'))['deploy/applicationset.yaml'] ?? '';
    expect(setRevisions(appset, 'f', ['eu-west-1'], 'v2.1.0')).toBe(appset.replace(/(cluster: eu-west-1\n.*\n\s+revision: )v2\.0\.0/, '$1v2.1.0'));
    const waves = (await files('sync-wave'))['deploy/applicationset.yaml'] ?? '';
    expect(setSyncWaves(waves, 'f', ['eu-west-1'], 'v2.1.0', 2)).toBe(waves.replace(/(cluster: eu-west-1\n.*\n\s+revision: )v2\.0\.0/, '$1v2.1.0'));
    const overlay = (await files('kustomize-overlay'))['deploy/overlays/ring-2/kustomization.yaml'] ?? '';
    expect(setImageTag(overlay, 'f', 'ghcr.io/example/webapp', 'v2.1.0')).toBe(overlay.replace('newTag: v2.0.0', 'newTag: v2.1.0'));
  });
});
