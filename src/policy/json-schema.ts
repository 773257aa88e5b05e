/**
 * @module The JSON Schemas of ReleasePolicy and Fleet, generated from the zod schemas (the input
 * side: what a person writes, before defaults and conversions).
 */
import { z } from 'zod';
import { FleetDocument, PolicyDocument } from './schema.ts';

/** The kinds `meridian schema --kind` prints. */
export const SCHEMA_KINDS = ['ReleasePolicy', 'Fleet'] as const;
export type SchemaKind = (typeof SCHEMA_KINDS)[number];

const generate = (schema: z.ZodType): Record<string, unknown> =>
  z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;

/**
 * The ReleasePolicy schema. `spec.regions` is required by the zod schema because a policy is
 * parsed with its fleet's regions filled in (fleet.ts); as written, a policy gives exactly one of
 * `spec.regions` and `spec.fleet`, which is what an editor is told here.
 */
export function policyJsonSchema(): Record<string, unknown> {
  const schema = generate(PolicyDocument);
  const spec = (schema.properties as Record<string, Record<string, unknown>>).spec!;
  spec.required = (spec.required as string[]).filter((k) => k !== 'regions');
  spec.oneOf = [{ required: ['regions'] }, { required: ['fleet'] }];
  return { $id: 'https://meridian.dev/schemas/release-policy.v1alpha1.json', ...schema };
}

export function fleetJsonSchema(): Record<string, unknown> {
  return { $id: 'https://meridian.dev/schemas/fleet.v1alpha1.json', ...generate(FleetDocument) };
}

export function jsonSchemaOf(kind: SchemaKind): Record<string, unknown> {
  return kind === 'Fleet' ? fleetJsonSchema() : policyJsonSchema();
}
