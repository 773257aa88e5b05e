/**
 * @module YAML documents with source positions: parse text, find the line and column of any path,
 * and turn zod issues into located, human messages (with a did-you-mean for unknown fields).
 * Pure: takes text, never reads files.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import type { Located } from '../errors.ts';
import { PolicyError } from '../errors.ts';
import { Failures, NO_FAILURES, parseDraft, type Draft } from './draft.ts';
import type { Issue, Path } from './issue.ts';

export type { Issue, Path } from './issue.ts';

export const MAX_INPUT_BYTES = 1024 * 1024;

/** A file over MAX_INPUT_BYTES, refused before it is parsed (or read). */
export function oversized(file: string, bytes: number): PolicyError {
  return new PolicyError([{ file, line: 1, col: 1, path: '', message: `the file is ${bytes} bytes; the limit is ${MAX_INPUT_BYTES} (is this the right file?)` }]);
}

export interface SourceDocument {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
}

/** `spec.rings[1].bake` */
export function formatPath(path: Path): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? p : `.${p}`;
  return out;
}

/** Parse YAML text; syntax errors, binary or oversized input become a PolicyError with positions. */
export function parseSource(text: string, file: string): SourceDocument {
  // A character is 1 to 4 bytes of UTF-8: only text that may be over the limit is measured.
  if (text.length > MAX_INPUT_BYTES / 4) {
    const bytes = new TextEncoder().encode(text).length;
    if (bytes > MAX_INPUT_BYTES) throw oversized(file, bytes);
  }
  const nul = text.indexOf('\u0000');
  if (nul >= 0) {
    throw new PolicyError([{ file, line: 1, col: 1, path: '', message: 'the file is binary, not YAML (it contains NUL bytes)' }]);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const problems: Located[] = doc.errors.map((e) => {
    const pos = lines.linePos(e.pos[0]);
    const firstLine = e.message.split('\n')[0] ?? e.message;
    return { file, line: pos.line, col: pos.col, path: '', message: `YAML: ${firstLine.replace(/ at line \d+, column \d+:?$/, '')}` };
  });
  if (problems.length > 0) throw new PolicyError(unique(problems));
  return { file, doc, lines };
}

/** The deepest node on `path` that exists, and whether it is the key (for unknown fields). */
function nodeAt(src: SourceDocument, path: Path, atKey: boolean): Node | undefined {
  let node: unknown = src.doc.contents;
  let found: Node | undefined = (node as Node | null) ?? undefined;
  for (let i = 0; i < path.length; i++) {
    const key = path[i];
    if (isMap(node)) {
      const pair = node.items.find((it) => isPair(it) && isScalar(it.key) && String(it.key.value) === String(key));
      if (!pair) break;
      const last = i === path.length - 1;
      if (last && atKey && pair.key) return pair.key as Node;
      node = pair.value;
      found = (pair.value as Node | null) ?? (pair.key as Node);
    } else if (isSeq(node) && typeof key === 'number') {
      const item = node.items[key];
      if (!item) break;
      node = item;
      found = item as Node;
    } else {
      break;
    }
  }
  return found;
}

export function locate(src: SourceDocument, issue: Issue): Located {
  const node = nodeAt(src, issue.path, issue.atKey ?? false);
  const offset = node?.range?.[0] ?? 0;
  const pos = src.lines.linePos(offset);
  return { file: src.file, line: pos.line, col: pos.col, path: formatPath(issue.path), message: issue.message };
}

/** The line of a path (lint findings carry a line). */
export function lineOf(src: SourceDocument, path: Path): number {
  return locate(src, { path, message: '' }).line;
}

let rowA = new Int32Array(64);
let rowB = new Int32Array(64);

/**
 * Edit distance between `a` and `b` (both lower case) if it is at most `max`, else `max + 1`.
 * Stops as soon as every cell of a row exceeds `max`, so a far-off name costs a few rows.
 */
function distanceWithin(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  if (rowA.length <= b.length) {
    rowA = new Int32Array(b.length + 1);
    rowB = new Int32Array(b.length + 1);
  }
  let prev = rowA;
  let cur = rowB;
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = i;
    const ca = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (ca === b.charCodeAt(j - 1) ? 0 : 1));
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    const t = prev;
    prev = cur;
    cur = t;
  }
  return prev[b.length]!;
}

/** The known name closest to `name`, when it is close enough to be a likely typo (the first of equally close ones). */
export function didYouMean(name: string, known: readonly string[]): string | undefined {
  const target = name.toLowerCase();
  const limit = Math.max(1, Math.floor(Math.max(name.length, 3) / 3));
  let best: string | undefined;
  let bestD = limit + 1;
  for (let k = 0; k < known.length && bestD > 0; k++) {
    // Only a strictly closer name replaces the best so far.
    const d = distanceWithin(target, known[k]!.toLowerCase(), bestD - 1);
    if (d < bestD) {
      bestD = d;
      best = known[k];
    }
  }
  return best;
}

/**
 * Items joined for a message, at most `max` of them, then how many more: `a, b, c and 1990 more`.
 * Keeps a message about one field short however many regions or rings the policy has.
 */
export function listSome(items: readonly string[], options: { max?: number; separator?: string } = {}): string {
  const max = options.max ?? 10;
  const separator = options.separator ?? ', ';
  if (items.length <= max) return items.join(separator);
  return `${items.slice(0, max).join(separator)} and ${items.length - max} more`;
}

type AnySchema = z.core.$ZodType;

/** The field names the schema knows at `path` (for did-you-mean on unknown fields). */
export function knownKeysAt(schema: AnySchema, path: Path): string[] {
  let s: AnySchema | undefined = schema;
  const unwrap = (x: AnySchema): AnySchema => {
    let cur = x;
    for (;;) {
      const def = cur._zod.def as unknown as Record<string, unknown> & { type: string };
      if (def.type === 'optional' || def.type === 'default' || def.type === 'nullable' || def.type === 'prefault') cur = def.innerType as AnySchema;
      else if (def.type === 'pipe') cur = def.in as AnySchema;
      else return cur;
    }
  };
  for (const key of path) {
    if (!s) return [];
    const u = unwrap(s);
    const def = u._zod.def as unknown as Record<string, unknown> & { type: string };
    if (def.type === 'object') s = (def.shape as Record<string, AnySchema>)[String(key)];
    else if (def.type === 'array') s = def.element as AnySchema;
    else if (def.type === 'record') s = def.valueType as AnySchema;
    else return [];
  }
  if (!s) return [];
  const def = unwrap(s)._zod.def as unknown as Record<string, unknown> & { type: string };
  return def.type === 'object' ? Object.keys(def.shape as object) : [];
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (typeof v === 'number' && Number.isNaN(v)) return '.nan (not a number)';
  if (typeof v === 'number' && !Number.isFinite(v)) return `${v > 0 ? '.inf' : '-.inf'} (infinite)`;
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `"${v}"`;
  return `${typeof v} ${String(v)}`;
}

/** Turn zod issues into our issues with messages people can act on. */
export function zodIssues(error: z.core.$ZodError, schema: AnySchema): Issue[] {
  const out: Issue[] = [];
  for (const iss of error.issues as z.core.$ZodIssue[]) {
    const path = iss.path.filter((p): p is string | number => typeof p !== 'symbol');
    switch (iss.code) {
      case 'unrecognized_keys': {
        const known = knownKeysAt(schema, path);
        for (const key of iss.keys) {
          const guess = didYouMean(key, known);
          out.push({
            path: [...path, key],
            atKey: true,
            message: `unknown field "${key}"${guess ? ` (did you mean "${guess}"?)` : ''}`,
            ...(guess ? { meant: [...path, guess] } : {}),
          });
        }
        break;
      }
      case 'invalid_type': {
        const input = (iss as { input?: unknown }).input;
        if (input === undefined) out.push({ path, message: `required (expected ${iss.expected})` });
        else if (iss.message && !iss.message.startsWith('Invalid input')) out.push({ path, message: iss.message });
        else out.push({ path, message: `expected ${iss.expected}, got ${describe(input)}` });
        break;
      }
      case 'invalid_value': {
        const input = (iss as { input?: unknown }).input;
        if (iss.message && !iss.message.startsWith('Invalid')) out.push({ path, message: iss.message });
        else out.push({ path, message: `${describe(input)} is not one of ${iss.values.map((v) => String(v)).join(' | ')}` });
        break;
      }
      case 'too_small':
      case 'too_big': {
        const input = (iss as { input?: unknown }).input;
        if (iss.message && !iss.message.startsWith('Too ')) out.push({ path, message: iss.message });
        else {
          const bound = iss.code === 'too_small' ? iss.minimum : iss.maximum;
          const word = iss.code === 'too_small' ? (iss.inclusive === false ? 'more than' : 'at least') : iss.inclusive === false ? 'less than' : 'at most';
          const what = iss.origin === 'array' ? `${String(bound)} item(s)` : iss.origin === 'string' ? `${String(bound)} character(s)` : String(bound);
          out.push({ path, message: `must be ${word} ${what}${typeof input === 'number' ? `, got ${input}` : ''}` });
        }
        break;
      }
      case 'invalid_union':
        out.push({ path, message: iss.message && !iss.message.startsWith('Invalid input') ? iss.message : 'does not match any allowed form' });
        break;
      default:
        out.push({ path, message: iss.message });
    }
  }
  return out;
}

/** Parse text into plain values (YAML → JS); every problem so far is a PolicyError with positions. */
export function readDocument(text: string, file: string): { source: SourceDocument; raw: unknown } {
  const source = parseSource(text, file);
  if (source.doc.contents === null) {
    throw new PolicyError([{ file, line: 1, col: 1, path: '', message: 'the file is empty' }]);
  }
  try {
    return { source, raw: source.doc.toJS({ maxAliasCount: 100 }) };
  } catch (e) {
    // Unresolved or excessive aliases surface only when the document is turned into values.
    let offset = 0;
    visit(source.doc, { Alias: (_key, node) => { if (!offset && !node.resolve(source.doc)) offset = node.range?.[0] ?? 0; } });
    const pos = source.lines.linePos(offset);
    throw new PolicyError([{ file, line: pos.line, col: pos.col, path: '', message: `YAML: ${e instanceof Error ? e.message : String(e)}` }]);
  }
}

/** Problems without exact repeats (same place, path and message), in order. */
function unique(problems: readonly Located[]): Located[] {
  const seen = new Set<string>();
  return problems.filter((l) => {
    const key = `${l.line}:${l.col}:${l.path}:${l.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function locateAll(source: SourceDocument, issues: readonly Issue[]): Located[] {
  return unique(issues.map((i) => locate(source, i)));
}

/** Parse text against a schema and an optional cross-field check; throws a PolicyError listing every problem. */
export function loadDocument<S extends AnySchema>(
  text: string,
  file: string,
  schema: S,
  check?: (value: z.output<S>) => Issue[],
): { value: z.output<S>; source: SourceDocument } {
  const { source, raw } = readDocument(text, file);
  const parsed = (schema as unknown as z.ZodType).safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    throw new PolicyError(locateAll(source, zodIssues(parsed.error, schema)));
  }
  const value = parsed.data as z.output<S>;
  const problems = check ? check(value) : [];
  if (problems.length > 0) throw new PolicyError(locateAll(source, problems));
  return { value, source };
}

/**
 * Like loadDocument, but the cross-field check also runs when the schema fails: on the draft of
 * the document (what did parse), told which fields failed. Schema errors come first, then the
 * cross-field ones, each once; the check must not throw on a draft.
 */
export function loadDocumentWithDraft<S extends AnySchema>(
  text: string,
  file: string,
  schema: S,
  check: (draft: Draft<z.output<S>>, failures: Failures) => Issue[],
): { value: z.output<S>; source: SourceDocument } {
  const { source, raw } = readDocument(text, file);
  const parsed = (schema as unknown as z.ZodType).safeParse(raw, { reportInput: true });
  if (parsed.success) {
    const value = parsed.data as z.output<S>;
    const problems = check(value as Draft<z.output<S>>, NO_FAILURES);
    if (problems.length > 0) throw new PolicyError(locateAll(source, problems));
    return { value, source };
  }
  const schemaIssues = zodIssues(parsed.error, schema);
  const draft = parseDraft(schema, raw);
  const crossIssues = draft === undefined ? [] : check(draft, new Failures(schemaIssues));
  throw new PolicyError(locateAll(source, [...schemaIssues, ...crossIssues]));
}
