/**
 * @module Drafts: a document's value under a zod schema as far as it parses. Fields that fail are
 * left out and everything else is parsed with its defaults, so cross-field checks can run on a
 * document that also has schema errors. Failures says which fields had a schema error, so a check
 * can tell a field left out from one that was given but wrong (and stay silent about the latter:
 * the schema error already says what is wrong there). Pure.
 */
import type { z } from 'zod';
import type { Issue, Path } from './issue.ts';

const keyOf = (path: Path): string => JSON.stringify(path);

/** A parsed value in which any field, list item or map entry may be missing. */
export type Draft<T> = T extends readonly (infer E)[]
  ? Array<Draft<E> | undefined>
  : T extends object
    ? { [K in keyof T]?: Draft<T[K]> }
    : T;

type AnySchema = z.core.$ZodType;
type Def = Record<string, unknown> & { type: string };

const isMapping = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The draft of `raw` under `schema`: what parses on its own is parsed (defaults applied); mappings
 * and lists that fail are parsed field by field and item by item (list items keep their index;
 * an item that fails entirely is undefined; a map entry keeps its key); a field that fails is left out. Object-level rules
 * (unknown fields) are not applied: the schema errors of the whole document report them.
 */
export function parseDraft<S extends AnySchema>(schema: S, raw: unknown): Draft<z.output<S>> | undefined {
  return draftOf(schema, raw) as Draft<z.output<S>> | undefined;
}

function draftOf(schema: AnySchema, raw: unknown): unknown {
  const whole = (schema as unknown as z.ZodType).safeParse(raw);
  if (whole.success) return whole.data;
  const def = schema._zod.def as unknown as Def;
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
      return raw === undefined ? undefined : draftOf(def.innerType as AnySchema, raw);
    case 'object': {
      if (!isMapping(raw)) return undefined;
      const out: Record<string, unknown> = {};
      for (const [key, field] of Object.entries(def.shape as Record<string, AnySchema>)) {
        const v = draftOf(field, raw[key]);
        if (v !== undefined) out[key] = v;
      }
      return out;
    }
    case 'array':
      return Array.isArray(raw) ? raw.map((item) => draftOf(def.element as AnySchema, item)) : undefined;
    case 'record': {
      if (!isMapping(raw)) return undefined;
      const out: Record<string, unknown> = {};
      // A key stays even when its value fails entirely: references to it are not wrong.
      for (const [key, value] of Object.entries(raw)) {
        if (!(def.keyType as unknown as z.ZodType).safeParse(key).success) continue;
        out[key] = draftOf(def.valueType as AnySchema, value);
      }
      return out;
    }
    default:
      return undefined;
  }
}

/** Which fields of a document had a schema error. */
export class Failures {
  /** Fields that failed, and every field holding one. */
  private readonly within = new Set<string>();
  /** Fields that failed themselves (or were probably meant by an unknown field). */
  private readonly exact = new Set<string>();

  /** From the schema issues of the document; an unknown field also counts against the field it was probably meant to be. */
  constructor(issues: readonly Issue[] = []) {
    for (const issue of issues) {
      this.add(issue.path, !issue.atKey);
      if (issue.meant) this.add(issue.meant, true);
    }
  }

  private add(path: Path, itself: boolean): void {
    if (itself) this.exact.add(keyOf(path));
    for (let k = path.length; k >= 1; k--) this.within.add(keyOf(path.slice(0, k)));
  }

  /** True when the field at `path`, or something inside it, had a schema error. */
  has(path: Path): boolean {
    return this.within.has(keyOf(path));
  }

  /** True when the field at `path` itself failed (its value, or its absence), not just something inside it. */
  at(path: Path): boolean {
    return this.exact.has(keyOf(path));
  }
}

export const NO_FAILURES = new Failures();
