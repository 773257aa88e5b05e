/**
 * @module Editing YAML files the way people wrote them: parse with the `yaml` Document API, change
 * values through it, and write back keeping comments, key order, quoting and layout. A change that
 * only replaces existing values is spliced into the original text at the nodes' source ranges (the
 * rest of the file is byte for byte what it was); a change that adds or removes nodes is printed with
 * the file's own indentation and sequence style. Pure: text in, text out.
 */
import { Document, isCollection, isMap, isScalar, isSeq, parseAllDocuments, Scalar, type Node, type ToStringOptions, type YAMLMap, type YAMLSeq } from 'yaml';
import { AdapterError } from '../../errors.ts';

/** A file whose shape Meridian does not recognise: never retried, never rewritten. */
export function shapeError(file: string, message: string): AdapterError {
  return new AdapterError(`${file}: ${message}`, { retryable: false });
}

export interface YamlFile {
  file: string;
  source: string;
  docs: Document[];
}

export function parseYaml(source: string, file: string): YamlFile {
  const parsed = parseAllDocuments(source);
  const docs = Array.isArray(parsed) ? parsed : [];
  for (const doc of docs) {
    const err = doc.errors[0];
    if (err) throw shapeError(file, `not valid YAML: ${err.message.split('\n')[0]}`);
  }
  return { file, source, docs };
}

/** What a node is, for messages: `a mapping`, `a list`, `the string "x"`, `an empty document`. */
export function describeNode(node: unknown): string {
  if (node === null || node === undefined) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) return node.value === null ? 'nothing' : `${typeof node.value === 'string' ? 'the string' : 'the value'} ${JSON.stringify(node.value)}`;
  return 'something else';
}

/** A scalar's value as a string, or undefined for anything else. */
export function scalarString(node: unknown): string | undefined {
  return isScalar(node) && node.value !== null && typeof node.value !== 'object' ? String(node.value) : undefined;
}

/** The edits made to one file: scalar replacements (spliceable) and structural changes. */
export class Edits {
  readonly replaced: Scalar[] = [];
  structural = false;

  constructor(readonly file: YamlFile) {}

  get changed(): boolean {
    return this.structural || this.replaced.length > 0;
  }

  /** Set `key` of `map` to the string `value`; keeps the existing scalar node (its quoting and comments). */
  set(doc: Document, map: YAMLMap, key: string, value: string, style?: Scalar.Type): void {
    const node = map.get(key, true);
    if (isScalar(node) && !isCollection(node.value)) {
      if (node.value === value) return;
      node.value = value;
      this.replaced.push(node);
      return;
    }
    const created = doc.createNode(value) as Scalar;
    if (style) created.type = style;
    map.set(doc.createNode(key), created);
    this.structural = true;
  }

  delete(map: YAMLMap, key: string): void {
    if (map.delete(key)) this.structural = true;
  }

  insert(seq: YAMLSeq, index: number, node: Node): void {
    seq.items.splice(index, 0, node);
    this.structural = true;
  }

  /** The edited text. */
  render(): string {
    const { source, docs } = this.file;
    if (!this.changed) return source;
    if (!this.structural) {
      const spliced = splice(source, this.replaced);
      // Parsing the result again costs as much as the edit: it is skipped only when every replacement is
      // one that cannot change how the rest of the file reads (see spliceSafe).
      if (spliced !== undefined && (spliced.safe ? docs.every((d) => d.schema.name === 'core') : sameData(spliced.text, docs))) return spliced.text;
    }
    const options = formatOptions(source);
    const out = restoreCommentSpacing(docs.map((d) => d.toString(options)).join(''), source);
    return source.includes('\r\n') ? out.replace(/\r?\n/g, '\r\n') : out;
  }
}

/**
 * The printer puts one space before a line comment; give each commented line back the spacing it had,
 * recognising it by its key (the text before the first colon) and its comment.
 */
function restoreCommentSpacing(out: string, source: string): string {
  const parts = (line: string): { head: string; gap: string; comment: string; id: string } | null => {
    const m = /^(.*?\S)([ \t]+)(#.*)$/.exec(line);
    if (!m) return null;
    const [, head = '', gap = '', comment = ''] = m;
    return { head, gap, comment, id: `${/^[^:]*/.exec(head)?.[0] ?? ''}\u0000${comment}` };
  };
  const gaps = new Map<string, string | null>();
  for (const line of source.split(/\r?\n/)) {
    const p = parts(line);
    if (p) gaps.set(p.id, gaps.has(p.id) && gaps.get(p.id) !== p.gap ? null : p.gap);
  }
  return out
    .split('\n')
    .map((line) => {
      const p = parts(line);
      const gap = p ? gaps.get(p.id) : undefined;
      return p && gap ? `${p.head}${gap}${p.comment}` : line;
    })
    .join('\n');
}

function renderScalar(node: Scalar): string | undefined {
  if (typeof node.value !== 'string' || node.value.includes('\n')) return undefined;
  const type = node.type === Scalar.QUOTE_SINGLE || node.type === Scalar.QUOTE_DOUBLE ? node.type : Scalar.PLAIN;
  const doc = new Document(node.value);
  (doc.contents as Scalar).type = type;
  return doc.toString({ lineWidth: 0, singleQuote: type === Scalar.QUOTE_SINGLE }).replace(/\n$/, '');
}

/**
 * A plain scalar that reads as the same single string anywhere a value can stand, in block and in flow
 * collections: no indicator, flow punctuation, quote, comment sign or space.
 */
const CONTEXT_FREE_PLAIN = /^[A-Za-z0-9_./][A-Za-z0-9_./+=~-]*$/;

/**
 * Whether putting `text` in place of `node`'s source leaves every other token of the file as it was:
 * `node` is a single-line flow scalar without a tag (never a block scalar, whose range runs over lines),
 * and `text` is one line, quoted (self-delimiting) or a plain scalar of CONTEXT_FREE_PLAIN. The value
 * itself reads back as written: the printer quotes any string the core schema would read otherwise.
 */
function spliceSafe(node: Scalar, text: string): boolean {
  if (node.tag !== undefined || (node.type !== Scalar.PLAIN && node.type !== Scalar.QUOTE_SINGLE && node.type !== Scalar.QUOTE_DOUBLE)) return false;
  if (text.includes('\n') || text.includes('\r')) return false;
  return text.startsWith("'") || text.startsWith('"') || CONTEXT_FREE_PLAIN.test(text);
}

/**
 * Replace each scalar's source text with its new value, in one pass from the start of the file (the
 * same scalar set twice is written once, with its last value); undefined when a scalar has no source
 * range or a value that cannot be written on one line. `safe` tells whether spliceSafe holds for all.
 */
function splice(source: string, scalars: Scalar[]): { text: string; safe: boolean } | undefined {
  const sorted = [...new Set(scalars)].sort((a, b) => (a.range?.[0] ?? 0) - (b.range?.[0] ?? 0));
  const rendered = new Map<string, string | undefined>();
  const parts: string[] = [];
  let safe = true;
  let at = 0;
  for (const node of sorted) {
    const key = `${node.type === Scalar.QUOTE_SINGLE || node.type === Scalar.QUOTE_DOUBLE ? node.type : Scalar.PLAIN}\u0000${typeof node.value}\u0000${String(node.value)}`;
    if (!rendered.has(key)) rendered.set(key, renderScalar(node));
    const text = rendered.get(key);
    if (!node.range || text === undefined || node.range[0] < at) return undefined;
    safe &&= spliceSafe(node, text);
    parts.push(source.slice(at, node.range[0]), text);
    at = node.range[1];
  }
  parts.push(source.slice(at));
  return { text: parts.join(''), safe };
}

function sameData(text: string, docs: Document[]): boolean {
  const again = parseAllDocuments(text);
  if (!Array.isArray(again) || again.length !== docs.length || again.some((d) => d.errors.length > 0)) return false;
  return again.every((d, i) => JSON.stringify(d.toJS()) === JSON.stringify(docs[i]?.toJS()));
}

/** The file's own indentation, sequence indentation and flow-collection spacing. */
export function formatOptions(source: string): ToStringOptions {
  const lines = source.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  const indents = lines.map((l) => l.length - l.trimStart().length).filter((n) => n > 0);
  const indent = indents.length > 0 ? Math.min(...indents) : 2;
  let indentSeq = false;
  for (let i = 0; i + 1 < lines.length; i++) {
    const key = /^(\s*)[^\s#-][^#]*:\s*$/.exec(lines[i] ?? '');
    const item = /^(\s*)- /.exec(lines[i + 1] ?? '');
    if (key && item) {
      indentSeq = (item[1] ?? '').length > (key[1] ?? '').length;
      break;
    }
  }
  const flow = /(?:^|[:-])[ \t]*[{[]([^\]}\n])/m.exec(lines.join('\n'));
  const flowCollectionPadding = flow ? flow[1] === ' ' : true;
  return { indent, indentSeq, flowCollectionPadding, lineWidth: 0, minContentWidth: 0 };
}
