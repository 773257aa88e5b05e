/**
 * @module A request to start a release as the API and the controller take it: the fields of
 * release-fields.ts, plus `force` and its `reason`. A version recorded failed for its service starts
 * again only with `force: true` and a reason, which the audit log and the release keep; so the
 * reason is checked like a freeze's: printable, at most 500 characters, and no credential. A
 * reason without `force: true`, or `force: true` without a reason, is refused.
 */
import { z } from 'zod';
import { REASON_MAX, StartRequestFields } from './release-fields.ts';

const control = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
/** What looks like a credential in a reason: the pattern freeze reasons are checked against. */
const credential = /bearer\s+\S{8,}|token=|authorization\s*[:=]|\beyJ[A-Za-z0-9_-]{4,}\./i;

const RULES: Array<[(s: string) => boolean, string]> = [
  [(s) => s.trim().length > 0, 'must say why the failed version may go out again'],
  [(s) => s.length <= REASON_MAX, `must be at most ${REASON_MAX} characters`],
  [(s) => !control.test(s), 'must not contain newlines or control characters'],
  [(s) => !credential.test(s), 'looks like it carries a credential; leave secrets out of a reason'],
];

/** Why a version that failed may go out again; only the first broken rule is said. */
export const ForceReason = z.string().superRefine((s, ctx) => {
  const broken = RULES.find(([ok]) => !ok(s));
  if (broken) ctx.addIssue({ code: 'custom', message: broken[1] });
});

/** A start request with `force` and `reason`, each only with the other. */
export const StartWithForceFields = StartRequestFields.extend({
  force: z.boolean().optional(),
  reason: ForceReason.optional(),
}).superRefine((req, ctx) => {
  if (req.force === true && req.reason === undefined) ctx.addIssue({ code: 'custom', path: ['reason'], message: 'required with force: true (say why the failed version may go out again)' });
  if (req.force !== true && req.reason !== undefined) ctx.addIssue({ code: 'custom', path: ['reason'], message: 'is given only with force: true' });
});

/** `field: message` for the first problem of a start request, or null when it is valid. */
export function startProblem(req: unknown): string | null {
  const parsed = StartWithForceFields.safeParse(req);
  if (parsed.success) return null;
  const issue = parsed.error.issues[0]!;
  return `${issue.path.join('.') || 'request'}: ${issue.message}`;
}
