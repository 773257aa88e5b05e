/**
 * @module Request bodies: JSON read with a size limit and checked against a zod schema, so a bad
 * body is a 400 that names the field (`changes[0]: "db" is not one of app | infra | schema`).
 */
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import { UsageError } from '../errors.ts';
import { FreezeFields, RingName, StartRequestFields } from '../policy/release-fields.ts';
import { formatPath, zodIssues } from '../policy/source.ts';

/** Bodies over this are refused before they are read (see `limitBody`). */
export const MAX_BODY_BYTES = 64 * 1024;

export const limitBody = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw new UsageError(`request body is larger than ${MAX_BODY_BYTES / 1024} KiB`);
  },
});

/** Versions, revisions and image tags have a documented character set and length (release-fields.ts). */
export const StartBody = StartRequestFields;

export const ApproveBody = z.strictObject({ ring: RingName });
export const RollbackBody = z.strictObject({ ring: RingName.optional() });
export const EmptyBody = z.strictObject({});
export const FreezeBody = FreezeFields;

/** The body as `schema`'s output; an empty body counts as `{}`. */
export async function readBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  const text = await c.req.text();
  let raw: unknown = {};
  if (text.trim() !== '') {
    try {
      raw = JSON.parse(text);
    } catch {
      throw new UsageError('request body is not valid JSON');
    }
  }
  const parsed = schema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    const issues = zodIssues(parsed.error, schema as never);
    throw new UsageError(issues.map((i) => `${formatPath(i.path) || 'body'}: ${i.message}`).join('; '));
  }
  return parsed.data;
}
