/**
 * @module Loading a ReleasePolicy or Release from YAML text: schema, defaults, cross-field checks,
 * every problem located as FILE:LINE:COL. Pure: the caller reads the file.
 */
import { checkPolicy } from './check.ts';
import { PolicyDocument, ReleaseDocument, type Policy, type ReleaseRequest } from './schema.ts';
import { loadDocument, loadDocumentWithDraft, type SourceDocument } from './source.ts';

export interface LoadedPolicy {
  policy: Policy;
  source: SourceDocument;
}

/**
 * Throws PolicyError with every problem found: schema errors and, on whatever parts of the
 * document did parse, the cross-field ones, together.
 */
export function loadPolicy(text: string, file: string): LoadedPolicy {
  const { value, source } = loadDocumentWithDraft(text, file, PolicyDocument, checkPolicy);
  return { policy: value, source };
}

export function loadRelease(text: string, file: string): { release: ReleaseRequest; source: SourceDocument } {
  const { value, source } = loadDocument(text, file, ReleaseDocument);
  return { release: value.spec, source };
}
