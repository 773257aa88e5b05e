/**
 * @module The kustomize-overlay layout as a pure edit of kustomization.yaml: set an image's tag the
 * way `kustomize edit set image NAME:TAG` does (the entry for NAME becomes `{ name, newTag }`,
 * dropping a `newName` or `digest` it had; a missing entry is added; other entries are kept), while
 * the rest of the file stays as people wrote it.
 */
import { isMap, isSeq, type YAMLMap } from 'yaml';
import { AdapterError } from '../../errors.ts';
import { describeNode, Edits, parseYaml, scalarString, shapeError } from './yaml-edit.ts';

/** A Docker/OCI tag: up to 128 of letters, digits, `_`, `.`, `-`, not starting with `.` or `-`. */
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

export function setImageTag(text: string, file: string, image: string, tag: string): string {
  if (!TAG.test(tag)) throw new AdapterError(`"${tag}" is not a valid image tag (letters, digits, _ . - and at most 128 characters)`, { retryable: false });
  const y = parseYaml(text, file);
  const doc = y.docs.length === 1 ? y.docs[0] : undefined;
  const root = doc?.contents;
  if (!doc || !isMap(root)) {
    const found = y.docs.length > 1 ? `${y.docs.length} documents` : describeNode(root);
    throw shapeError(file, `expected a kustomization (one YAML mapping with fields such as resources and images); found ${found}`);
  }
  const edits = new Edits(y);
  const images = root.get('images', true);
  if (images === undefined || (scalarString(images) === undefined && !isMap(images) && !isSeq(images))) {
    root.set(doc.createNode('images'), doc.createNode([{ name: image, newTag: tag }]));
    edits.structural = true;
    return edits.render();
  }
  if (!isSeq(images)) throw shapeError(file, `expected images to be a list of entries with name and newTag; found ${describeNode(images)}`);
  const names = images.items.map((item, i) => {
    if (!isMap(item)) throw shapeError(file, `expected images[${i}] to be a mapping with name and newTag; found ${describeNode(item)}`);
    return scalarString(item.get('name', true)) ?? '';
  });
  const index = names.indexOf(image);
  if (index >= 0) {
    const entry = images.items[index] as YAMLMap;
    edits.set(doc, entry, 'newTag', tag);
    edits.delete(entry, 'newName');
    edits.delete(entry, 'digest');
    return edits.render();
  }
  const sorted = names.every((n, i) => i === 0 || (names[i - 1] ?? '') <= n);
  const at = sorted ? names.filter((n) => n < image).length : names.length;
  edits.insert(images, at, doc.createNode({ name: image, newTag: tag }));
  return edits.render();
}
