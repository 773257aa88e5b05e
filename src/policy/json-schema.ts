/**
 * @module The JSON Schema of ReleasePolicy, generated from the zod schema (the input side: what a
 * person writes, before defaults and conversions).
 */
import { z } from 'zod';
import { PolicyDocument } from './schema.ts';

export function policyJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(PolicyDocument, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  return { $id: 'https://meridian.dev/schemas/release-policy.v1alpha1.json', ...schema };
}
