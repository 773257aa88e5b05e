/** @module Tests of the kustomization image edit: what `kustomize edit set image NAME:TAG` does, with the file kept as written. */
import { describe, expect, it } from 'vitest';
import { AdapterError } from '../../errors.ts';
import { setImageTag } from './kustomization.ts';

const FILE = 'deploy/overlays/ring-2/kustomization.yaml';
const IMAGE = 'ghcr.io/example/webapp';

const OVERLAY = `# ring-2 (eu-west-1)
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
- ../../base   # shared manifests
images:
- name: ghcr.io/example/sidecar
  newTag: "1.4"
- name: ghcr.io/example/webapp
  newTag: v2.0.0   # set by Meridian
`;

function thrown(f: () => unknown): AdapterError {
  try {
    f();
  } catch (e) {
    if (e instanceof AdapterError) return e;
    throw e;
  }
  throw new Error('expected an AdapterError');
}

describe('setImageTag (kustomize-overlay)', () => {
  it("sets the image's newTag and nothing else", () => {
    expect(setImageTag(OVERLAY, FILE, IMAGE, 'v2.1.0')).toBe(OVERLAY.replace('newTag: v2.0.0   #', 'newTag: v2.1.0   #'));
  });

  it('quotes a tag that would read as a number, as kustomize does', () => {
    expect(setImageTag(OVERLAY, FILE, IMAGE, '1234')).toBe(OVERLAY.replace('newTag: v2.0.0   #', 'newTag: "1234"   #'));
  });

  it('drops newName and digest from the entry, like kustomize edit set image NAME:TAG', () => {
    const pinned = OVERLAY.replace('  newTag: v2.0.0   # set by Meridian\n', '  newName: registry.internal/webapp\n  digest: sha256:0123abcd\n');
    expect(setImageTag(pinned, FILE, IMAGE, 'v2.1.0')).toBe(OVERLAY.replace('newTag: v2.0.0   # set by Meridian', 'newTag: v2.1.0'));
  });

  it('adds a missing entry in name order and keeps the others', () => {
    const text = OVERLAY.replace('- name: ghcr.io/example/webapp\n  newTag: v2.0.0   # set by Meridian\n', '- name: ghcr.io/example/zeta\n  newTag: v9\n');
    expect(setImageTag(text, FILE, IMAGE, 'v2.1.0')).toBe(`# ring-2 (eu-west-1)
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
- ../../base   # shared manifests
images:
- name: ghcr.io/example/sidecar
  newTag: "1.4"
- name: ghcr.io/example/webapp
  newTag: v2.1.0
- name: ghcr.io/example/zeta
  newTag: v9
`);
  });

  it('adds images: when the kustomization has none, in the file\'s indentation', () => {
    const text = 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n    - ../../base\n';
    expect(setImageTag(text, FILE, IMAGE, 'v2.1.0')).toBe(`${text}images:\n    - name: ghcr.io/example/webapp\n      newTag: v2.1.0\n`);
  });

  it('edits an images list written in flow style', () => {
    const text = 'resources: [../../base]\nimages: [{name: ghcr.io/example/webapp, newTag: v2.0.0}]\n';
    expect(setImageTag(text, FILE, IMAGE, 'v2.1.0')).toBe(text.replace('v2.0.0', 'v2.1.0'));
  });

  it('refuses a kustomization that is not a mapping', () => {
    const e = thrown(() => setImageTag('- ../../base\n', FILE, IMAGE, 'v2.1.0'));
    expect(e.message).toBe('deploy/overlays/ring-2/kustomization.yaml: expected a kustomization (one YAML mapping with fields such as resources and images); found a list');
    expect(e.retryable).toBe(false);
    expect(thrown(() => setImageTag('', FILE, IMAGE, 'v2.1.0')).message).toBe(
      'deploy/overlays/ring-2/kustomization.yaml: expected a kustomization (one YAML mapping with fields such as resources and images); found nothing',
    );
  });

  it('refuses images that are not a list of mappings', () => {
    expect(thrown(() => setImageTag('images: {webapp: v1}\n', FILE, IMAGE, 'v2.1.0')).message).toBe(
      'deploy/overlays/ring-2/kustomization.yaml: expected images to be a list of entries with name and newTag; found a mapping',
    );
    expect(thrown(() => setImageTag('images:\n- ghcr.io/example/webapp:v1\n', FILE, IMAGE, 'v2.1.0')).message).toBe(
      'deploy/overlays/ring-2/kustomization.yaml: expected images[0] to be a mapping with name and newTag; found the string "ghcr.io/example/webapp:v1"',
    );
  });

  it('refuses a tag kustomize would not accept', () => {
    expect(thrown(() => setImageTag(OVERLAY, FILE, IMAGE, 'release/v2.1.0')).message).toBe(
      '"release/v2.1.0" is not a valid image tag (letters, digits, _ . - and at most 128 characters)',
    );
  });
});
