/**
 * @module The ApplicationSet layouts as pure edits of the file's text: `applicationset-revision`
 * sets `revision` on the list-generator elements of a ring's clusters; `sync-wave` does the same and
 * maintains a ring-numbered `wave` per element, referenced by the template's
 * `argocd.argoproj.io/sync-wave` annotation. A file of another shape is refused, never rewritten.
 */
import { isMap, isSeq, Scalar, type Document, type YAMLMap } from 'yaml';
import { describeNode, Edits, parseYaml, scalarString, shapeError, type YamlFile } from './yaml-edit.ts';

export const SYNC_WAVE = 'argocd.argoproj.io/sync-wave';

interface ListElement {
  map: YAMLMap;
  /** Where it is, for messages: `spec.generators[0].list.elements[2]`. */
  where: string;
}

interface AppSet {
  doc: Document;
  spec: YAMLMap;
  goTemplate: boolean;
  elements: ListElement[];
}

/** The documents of the file that are ApplicationSets with at least one list generator. */
function appSets(y: YamlFile): AppSet[] {
  const found: AppSet[] = [];
  for (const doc of y.docs) {
    const spec = isMap(doc.contents) ? doc.contents.get('spec', true) : undefined;
    const generators = isMap(spec) ? spec.get('generators', true) : undefined;
    if (!isMap(spec) || !isSeq(generators)) continue;
    const elements: ListElement[] = [];
    let lists = 0;
    generators.items.forEach((gen, g) => {
      const list = isMap(gen) ? gen.get('list', true) : undefined;
      const items = isMap(list) ? list.get('elements', true) : undefined;
      if (!isSeq(items)) return;
      lists++;
      items.items.forEach((el, e) => {
        if (isMap(el)) elements.push({ map: el, where: `spec.generators[${g}].list.elements[${e}]` });
      });
    });
    if (lists > 0) found.push({ doc, spec, goTemplate: spec.get('goTemplate') === true, elements });
  }
  if (found.length === 0) throw shapeError(y.file, 'expected an ApplicationSet with a list generator (spec.generators[].list.elements); found none');
  return found;
}

type Match = { set: AppSet; el: ListElement };

/**
 * Every list element by the cluster it names (its `cluster` or its `name`), in file order: built in
 * one pass, so a ring's elements are found in time linear in the file, however many clusters it has.
 */
function elementIndex(sets: AppSet[]): Map<string, Match[]> {
  const index = new Map<string, Match[]>();
  for (const set of sets) {
    for (const el of set.elements) {
      const names = new Set([scalarString(el.map.get('cluster', true)), scalarString(el.map.get('name', true))]);
      for (const name of names) {
        if (name === undefined) continue;
        const matches = index.get(name);
        if (matches) matches.push({ set, el });
        else index.set(name, [{ set, el }]);
      }
    }
  }
  return index;
}

function elementsOf(y: YamlFile, index: Map<string, Match[]>, cluster: string): Match[] {
  const matches = index.get(cluster);
  if (!matches) {
    throw shapeError(y.file, `no list element for cluster "${cluster}" (expected an element with cluster: ${cluster} or name: ${cluster} in spec.generators[].list.elements)`);
  }
  return matches;
}

/** `{{revision}}` (fasttemplate) or `{{.revision}}` (goTemplate), as the ApplicationSet spells parameters. */
export function parameter(goTemplate: boolean, name: string): string {
  return goTemplate ? `{{.${name}}}` : `{{${name}}}`;
}

function usesParameter(set: AppSet, name: string): boolean {
  const pattern = set.goTemplate ? new RegExp(`\\{\\{[^}]*\\.${name}\\b[^}]*\\}\\}`) : new RegExp(`\\{\\{\\s*${name}\\s*\\}\\}`);
  const template = set.spec.get('template', true);
  const text = JSON.stringify(template ?? null) + (scalarString(set.spec.get('templatePatch', true)) ?? '');
  return pattern.test(text);
}

function setRevision(y: YamlFile, edits: Edits, sets: AppSet[], clusters: string[], revision: string): Match[] {
  const index = elementIndex(sets);
  const all = clusters.flatMap((c) => elementsOf(y, index, c).map((m) => ({ ...m, cluster: c })));
  for (const set of new Set(all.map((m) => m.set))) {
    if (!usesParameter(set, 'revision')) {
      throw shapeError(y.file, `spec.template does not use the revision parameter, so setting it would deploy nothing (expected e.g. targetRevision: '${parameter(set.goTemplate, 'revision')}')`);
    }
  }
  for (const { set, el, cluster } of all) {
    if (!el.map.has('revision')) throw shapeError(y.file, `the list element for cluster "${cluster}" has no revision field (expected revision: <git ref> in ${el.where})`);
    edits.set(set.doc, el.map, 'revision', revision);
  }
  return all;
}

/** applicationset-revision: set `revision` of every list element of these clusters. */
export function setRevisions(text: string, file: string, clusters: string[], revision: string): string {
  const y = parseYaml(text, file);
  const edits = new Edits(y);
  setRevision(y, edits, appSets(y), clusters, revision);
  return edits.render();
}

/** Make the template carry `argocd.argoproj.io/sync-wave: '{{wave}}'`; refuse a different value. */
function ensureWaveAnnotation(y: YamlFile, edits: Edits, set: AppSet): void {
  const expected = parameter(set.goTemplate, 'wave');
  const template = set.spec.get('template', true);
  if (!isMap(template)) throw shapeError(y.file, `expected spec.template to be a mapping (the Application template); found ${describeNode(template)}`);
  const metadata = template.get('metadata', true);
  if (!isMap(metadata)) throw shapeError(y.file, `expected spec.template.metadata to be a mapping; found ${describeNode(metadata)}`);
  const annotations = metadata.get('annotations', true);
  if (annotations === undefined || annotations === null || (scalarString(annotations) === undefined && !isMap(annotations) && !isSeq(annotations))) {
    const map = set.doc.createNode({}) as YAMLMap;
    metadata.set(set.doc.createNode('annotations'), map);
    edits.structural = true;
    edits.set(set.doc, map, SYNC_WAVE, expected, Scalar.QUOTE_SINGLE);
    return;
  }
  if (!isMap(annotations)) throw shapeError(y.file, `expected spec.template.metadata.annotations to be a mapping; found ${describeNode(annotations)}`);
  const current = annotations.get(SYNC_WAVE, true);
  if (current === undefined) {
    edits.set(set.doc, annotations, SYNC_WAVE, expected, Scalar.QUOTE_SINGLE);
    return;
  }
  const value = scalarString(current);
  const name = expected.replace(/[{}]/g, '').replace('.', '\\.');
  if (value === undefined || !new RegExp(`^\\{\\{-?\\s*${name}\\s*-?\\}\\}$`).test(value)) {
    throw shapeError(
      y.file,
      `spec.template.metadata.annotations["${SYNC_WAVE}"] is ${value === undefined ? describeNode(current) : JSON.stringify(value)}; expected '${expected}' (Meridian numbers the waves from the rings through each list element's wave field)`,
    );
  }
}

/** sync-wave: set `revision` and `wave` (the ring's index, as a string) of these clusters' elements. */
export function setSyncWaves(text: string, file: string, clusters: string[], revision: string, wave: number): string {
  const y = parseYaml(text, file);
  const edits = new Edits(y);
  const matched = setRevision(y, edits, appSets(y), clusters, revision);
  for (const set of new Set(matched.map((m) => m.set))) ensureWaveAnnotation(y, edits, set);
  for (const { set, el } of matched) edits.set(set.doc, el.map, 'wave', String(wave));
  return edits.render();
}
