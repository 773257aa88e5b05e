/** @module PromQL query templates: `{{region}}`, `{{cluster}}`, `{{ring}}`, `{{version}}` and
 * `{{interval}}` filled in so that no value can change the query's structure. Label values are only
 * accepted inside quoted strings, where they are escaped for that string (and, after `=~`/`!~`, for
 * the regular expression too); `{{interval}}` becomes a Prometheus duration such as `5m` or `1h30m`.
 * Pure: no I/O.
 */
import { AdapterError } from '../../errors.ts';

/** What a template may refer to. A missing value is an error only when the template uses it. */
export interface TemplateValues {
  region?: string;
  /** The region's cluster names: one for `cluster="{{cluster}}"`, any number for `cluster=~"{{cluster}}"`. */
  clusters?: readonly string[];
  ring?: string;
  version?: string;
  /** Milliseconds; rendered as a Prometheus duration. */
  interval?: number;
}

export const TEMPLATE_VARIABLES = ['region', 'cluster', 'ring', 'version', 'interval'] as const;
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];

const UNITS: ReadonlyArray<[string, number]> = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
  ['ms', 1],
];

/** A positive whole number of milliseconds as a Prometheus duration: 300000 → `5m`, 5400000 → `1h30m`. */
export function promDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) throw new RangeError(`a Prometheus duration must be longer than 0 ms (got ${ms})`);
  let rest = Math.round(ms);
  if (rest === 0) throw new RangeError(`a Prometheus duration must be at least 1ms (got ${ms} ms)`);
  let out = '';
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out;
}

/**
 * Escape `value` for a PromQL string literal delimited by `quote`: backslash, the quote itself and
 * every control character (newline included) are written as escapes, so the string cannot end early.
 */
export function escapeString(value: string, quote: '"' | "'"): string {
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out;
}

/** Escape the metacharacters of RE2 (Prometheus regular expressions) so that `value` matches itself only. */
export function escapeRegex(value: string): string {
  return value.replace(/[\\.+*?()|[\]{}^$]/g, (c) => `\\${c}`);
}

function templateError(message: string): AdapterError {
  return new AdapterError(message, { retryable: false });
}

type Context = { kind: 'code' } | { kind: 'string'; quote: '"' | "'"; regex: boolean } | { kind: 'raw' };

/** Whether the string literal opening at `at` follows a regex matcher (`=~` or `!~`). */
function followsRegexMatcher(template: string, at: number): boolean {
  let i = at - 1;
  while (i >= 0 && /\s/.test(template[i]!)) i--;
  return i >= 1 && template[i] === '~' && (template[i - 1] === '=' || template[i - 1] === '!');
}

const PLACEHOLDER = /^\{\{\s*([A-Za-z_][\w.]*)\s*\}\}/;

function labelValue(name: TemplateVariable, values: TemplateValues, ctx: Extract<Context, { kind: 'string' }>): string {
  const missing = (what: string): never => {
    throw templateError(`{{${name}}} is used but ${what}`);
  };
  if (name === 'interval') {
    if (values.interval === undefined) missing('no interval was given');
    return promDuration(values.interval!);
  }
  if (name === 'cluster') {
    const clusters = values.clusters ?? [];
    if (clusters.length === 0) missing('the region has no clusters');
    if (ctx.regex) return clusters.length === 1 ? escapeRegex(clusters[0]!) : `(?:${clusters.map(escapeRegex).join('|')})`;
    if (clusters.length > 1) {
      throw templateError(
        `{{cluster}} stands for ${clusters.length} clusters (${clusters.join(', ')}) of region ${values.region ?? '?'}: match them with cluster=~"{{cluster}}"`,
      );
    }
    return clusters[0]!;
  }
  const v = values[name];
  if (v === undefined || v === '') missing(`no ${name} is known for this query`);
  return ctx.regex ? escapeRegex(v!) : v!;
}

/**
 * Fill in a template. Label values must stand inside a double- or single-quoted string; `{{interval}}`
 * may stand anywhere (usually in a range selector: `[{{interval}}]`). Anything else is an error
 * (AdapterError, not retryable) that names the problem: an unknown variable, a label value outside a
 * string or inside a backtick string (which cannot escape anything), a value the query needs but does
 * not have.
 */
export function renderTemplate(template: string, values: TemplateValues): string {
  let out = '';
  let ctx: Context = { kind: 'code' };
  let i = 0;
  while (i < template.length) {
    const ch = template[i]!;
    if (ch === '{' && template[i + 1] === '{') {
      const m = PLACEHOLDER.exec(template.slice(i));
      if (!m) throw templateError(`unclosed or malformed placeholder at character ${i + 1} of the query template`);
      const name = m[1]!;
      if (!(TEMPLATE_VARIABLES as readonly string[]).includes(name)) {
        throw templateError(`{{${name}}} is not a template variable (use ${TEMPLATE_VARIABLES.map((v) => `{{${v}}}`).join(', ')})`);
      }
      const variable = name as TemplateVariable;
      if (ctx.kind === 'string') {
        out += escapeString(labelValue(variable, values, ctx), ctx.quote);
      } else if (variable === 'interval') {
        if (values.interval === undefined) throw templateError('{{interval}} is used but no interval was given');
        out += promDuration(values.interval);
      } else if (ctx.kind === 'raw') {
        throw templateError(`{{${name}}} stands inside a backtick string, which cannot escape a value: use double quotes, e.g. region="{{region}}"`);
      } else {
        throw templateError(`{{${name}}} must stand inside a quoted label value, e.g. ${name}="{{${name}}}"`);
      }
      i += m[0].length;
      continue;
    }
    out += ch;
    if (ctx.kind === 'code') {
      if (ch === '"' || ch === "'") ctx = { kind: 'string', quote: ch, regex: followsRegexMatcher(template, i) };
      else if (ch === '`') ctx = { kind: 'raw' };
    } else if (ctx.kind === 'string') {
      if (ch === '\\' && i + 1 < template.length) {
        out += template[i + 1]!;
        i += 2;
        continue;
      }
      if (ch === ctx.quote) ctx = { kind: 'code' };
    } else if (ch === '`') {
      ctx = { kind: 'code' };
    }
    i++;
  }
  if (ctx.kind !== 'code') throw templateError('the query template ends inside a string');
  return out;
}

/** The variables a template uses, in order of first use (for checks before any query is made). */
export function templateVariables(template: string): string[] {
  const names: string[] = [];
  for (const m of template.matchAll(/\{\{\s*([A-Za-z_][\w.]*)\s*\}\}/g)) if (!names.includes(m[1]!)) names.push(m[1]!);
  return names;
}
