/** @module Tests of the ApplicationSet edits: exact output text, comments and quoting kept, unknown shapes refused with their message. */
import { describe, expect, it } from 'vitest';
import { AdapterError } from '../../errors.ts';
import { setRevisions, setSyncWaves } from './applicationset.ts';

const FILE = 'deploy/applicationset.yaml';

const APPSET = `# webapp on every cluster
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: webapp   # the service
spec:
  generators:
  - list:
      elements:
      # ring-1: the canary
      - cluster: ap-south-1
        url: https://ap-south-1.k8s.example.com
        revision: v2.0.0   # what runs there

      - cluster: eu-west-1
        url: https://eu-west-1.k8s.example.com
        revision: 'v2.0.0'
      - {name: us-east-1, url: "https://us-east-1.k8s.example.com", revision: v2.0.0}
  template:
    metadata:
      name: 'webapp-{{cluster}}'
    spec:
      source:
        targetRevision: '{{revision}}'
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

describe('setRevisions (applicationset-revision)', () => {
  it("sets revision on the ring's clusters only and keeps everything else as written", () => {
    expect(setRevisions(APPSET, FILE, ['ap-south-1'], 'release/v2.1.0')).toBe(APPSET.replace('revision: v2.0.0   # what', 'revision: release/v2.1.0   # what'));
  });

  it('keeps single quotes, and edits elements written as flow mappings matched by name', () => {
    const out = setRevisions(APPSET, FILE, ['eu-west-1', 'us-east-1'], 'v2.1.0');
    expect(out).toBe(
      APPSET.replace("revision: 'v2.0.0'", "revision: 'v2.1.0'").replace('"https://us-east-1.k8s.example.com", revision: v2.0.0}', '"https://us-east-1.k8s.example.com", revision: v2.1.0}'),
    );
  });

  it('quotes a revision that would otherwise read as a number (list values are strings)', () => {
    expect(setRevisions(APPSET, FILE, ['ap-south-1'], '1.10')).toContain('revision: "1.10"   # what runs there');
  });

  it('returns the text unchanged when the revision is already there', () => {
    expect(setRevisions(APPSET, FILE, ['ap-south-1'], 'v2.0.0')).toBe(APPSET);
  });

  it('edits the ApplicationSet of a multi-document file and leaves the other documents alone', () => {
    const text = `apiVersion: v1\nkind: Namespace\nmetadata: {name: webapp}\n---\n${APPSET}`;
    expect(setRevisions(text, FILE, ['ap-south-1'], 'v2.1.0')).toBe(text.replace('revision: v2.0.0   #', 'revision: v2.1.0   #'));
  });

  it('keeps CRLF line endings', () => {
    const crlf = APPSET.replace(/\n/g, '\r\n');
    expect(setRevisions(crlf, FILE, ['eu-west-1'], 'v2.1.0')).toBe(crlf.replace("'v2.0.0'", "'v2.1.0'"));
  });

  it('edits a ring of hundreds of elements among thousands, each element of the ring once and nothing else', () => {
    const name = (i: number) => `c-${String(i).padStart(4, '0')}`;
    const elements = Array.from({ length: 2000 }, (_, i) => `      - cluster: ${name(i)}\n        revision: v2.0.0   # ${i}\n`).join('');
    const text = APPSET.replace(/ {6}# ring-1: the canary\n[\s\S]*(?= {2}template:)/, elements);
    const ring = Array.from({ length: 400 }, (_, i) => name(800 + i));
    const out = setRevisions(text, FILE, ring, 'release/v2.1.0');
    const expected = text.replace(/cluster: (c-\d{4})\n {8}revision: v2\.0\.0/g, (line, c: string) => (ring.includes(c) ? line.replace('v2.0.0', 'release/v2.1.0') : line));
    expect(out).toBe(expected);
    expect(out.split('release/v2.1.0').length - 1).toBe(400);
  });

  it('quotes a revision that a flow mapping would read otherwise, writing the file again in its own style', () => {
    const out = setRevisions(APPSET, FILE, ['us-east-1'], 'a,b');
    expect(out).toContain('revision: "a,b"}');
    expect(out).toContain('revision: v2.0.0   # what runs there');
  });

  it('quotes a revision that YAML 1.1 would read as a boolean in a %YAML 1.1 document', () => {
    const out = setRevisions(`%YAML 1.1\n---\n${APPSET}`, FILE, ['ap-south-1'], 'yes');
    expect(out).toMatch(/revision: (['"])yes\1 +# what runs there/);
  });

  it('refuses a file with no list generator', () => {
    const text = 'apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nspec:\n  generators:\n  - clusters: {}\n';
    const e = thrown(() => setRevisions(text, FILE, ['ap-south-1'], 'v2.1.0'));
    expect(e.message).toBe('deploy/applicationset.yaml: expected an ApplicationSet with a list generator (spec.generators[].list.elements); found none');
    expect(e.retryable).toBe(false);
  });

  it('refuses a cluster that has no element', () => {
    expect(thrown(() => setRevisions(APPSET, FILE, ['sa-east-1'], 'v2.1.0')).message).toBe(
      'deploy/applicationset.yaml: no list element for cluster "sa-east-1" (expected an element with cluster: sa-east-1 or name: sa-east-1 in spec.generators[].list.elements)',
    );
  });

  it('refuses an element without a revision field', () => {
    const text = APPSET.replace("        revision: 'v2.0.0'\n", '');
    expect(thrown(() => setRevisions(text, FILE, ['eu-west-1'], 'v2.1.0')).message).toBe(
      'deploy/applicationset.yaml: the list element for cluster "eu-west-1" has no revision field (expected revision: <git ref> in spec.generators[0].list.elements[1])',
    );
  });

  it('refuses a template that does not use the revision, which would make the deploy a no-op', () => {
    const text = APPSET.replace("targetRevision: '{{revision}}'", 'targetRevision: HEAD');
    expect(thrown(() => setRevisions(text, FILE, ['eu-west-1'], 'v2.1.0')).message).toBe(
      "deploy/applicationset.yaml: spec.template does not use the revision parameter, so setting it would deploy nothing (expected e.g. targetRevision: '{{revision}}')",
    );
  });

  it('refuses text that is not YAML', () => {
    expect(thrown(() => setRevisions('spec: [unclosed\n', FILE, ['a'], 'v1')).message).toMatch(/^deploy\/applicationset\.yaml: not valid YAML: /);
  });
});

const GO_APPSET = `apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: webapp
spec:
  goTemplate: true
  generators:
    - list:
        elements:
          - cluster: ap-south-1
            revision: v2.0.0
          - cluster: eu-west-1
            revision: v2.0.0
  template:
    metadata:
      name: 'webapp-{{.cluster}}'
    spec:
      source:
        targetRevision: '{{.revision}}'
`;

describe('setSyncWaves (sync-wave)', () => {
  it("adds the ring's wave to its elements and the sync-wave annotation to the template, in the file's own style", () => {
    expect(setSyncWaves(GO_APPSET, FILE, ['eu-west-1'], 'v2.1.0', 2)).toBe(`apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: webapp
spec:
  goTemplate: true
  generators:
    - list:
        elements:
          - cluster: ap-south-1
            revision: v2.0.0
          - cluster: eu-west-1
            revision: v2.1.0
            wave: "2"
  template:
    metadata:
      name: 'webapp-{{.cluster}}'
      annotations:
        argocd.argoproj.io/sync-wave: '{{.wave}}'
    spec:
      source:
        targetRevision: '{{.revision}}'
`);
  });

  it('uses {{wave}} for an ApplicationSet without goTemplate, next to existing annotations', () => {
    const text = APPSET.replace("      name: 'webapp-{{cluster}}'\n", "      name: 'webapp-{{cluster}}'\n      annotations:\n        team: web # owners\n");
    const out = setSyncWaves(text, FILE, ['ap-south-1'], 'v2.1.0', 1);
    expect(out).toContain("      annotations:\n        team: web # owners\n        argocd.argoproj.io/sync-wave: '{{wave}}'\n");
    expect(out).toContain('        revision: v2.1.0   # what runs there\n        wave: "1"\n');
  });

  it('renumbers a wave that no longer matches the ring and leaves a correct annotation alone', () => {
    const once = setSyncWaves(GO_APPSET, FILE, ['eu-west-1'], 'v2.1.0', 2);
    expect(setSyncWaves(once, FILE, ['eu-west-1'], 'v2.1.0', 3)).toBe(once.replace('wave: "2"', 'wave: "3"'));
  });

  it('refuses a sync-wave annotation that Meridian does not maintain', () => {
    const text = GO_APPSET.replace("      name: 'webapp-{{.cluster}}'\n", "      name: 'webapp-{{.cluster}}'\n      annotations:\n        argocd.argoproj.io/sync-wave: \"5\"\n");
    expect(thrown(() => setSyncWaves(text, FILE, ['eu-west-1'], 'v2.1.0', 2)).message).toBe(
      'deploy/applicationset.yaml: spec.template.metadata.annotations["argocd.argoproj.io/sync-wave"] is "5"; expected \'{{.wave}}\' (Meridian numbers the waves from the rings through each list element\'s wave field)',
    );
  });

  it('refuses a template without metadata', () => {
    const text = GO_APPSET.replace("    metadata:\n      name: 'webapp-{{.cluster}}'\n", '');
    expect(thrown(() => setSyncWaves(text, FILE, ['eu-west-1'], 'v2.1.0', 2)).message).toBe(
      'deploy/applicationset.yaml: expected spec.template.metadata to be a mapping; found nothing',
    );
  });
});
