/**
 * @module The strings a release request carries, and what each may hold. They end up in GitOps
 * commits, file edits, the store, the audit log and URLs, so each has a character set and a
 * length: no control character, no newline, no space, nothing a shell, a URL or a commit trailer
 * would read as syntax.
 *
 * - `version`: letters, digits and `. _ + -`, starting with a letter or digit, at most 128
 *   (`v2.1.0`, `2.1.0-rc.1+build.7`).
 * - `revision` (a git ref or commit): letters, digits and `. _ + - /`, at most 200, and a valid
 *   git ref name (no `..`, `//`, `@{`, no leading or trailing `/` or `.`, no `.lock` ending).
 * - `image` (a container image tag): letters, digits and `. _ -`, starting with a letter, digit
 *   or `_`, at most 128 (the OCI tag grammar).
 * - a ring name in a request: printable, at most 200 characters (it must then name a ring).
 * - a service or region name in a request: letters, digits and `. _ -`, at most 128 (it must then
 *   name a service or region of the configuration).
 * - a freeze's reason (stop the line): printable, at most 500 characters, and no credential.
 */
import { z } from 'zod';

export const VERSION_MAX = 128;
export const REVISION_MAX = 200;
export const IMAGE_TAG_MAX = 128;
export const RING_NAME_MAX = 200;

const controlOrSpace = /[\u0000-\u0020\u007f-\u009f\u2028\u2029]/;
const control = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** A string of at most `max` characters meeting `rules` in order; only the first broken rule is said. */
function field(max: number, rules: Array<[(s: string) => boolean, string]>) {
  return z.string().superRefine((s, ctx) => {
    const all: Array<[(s: string) => boolean, string]> = [[(v) => v.length > 0, 'must not be empty'], [(v) => v.length <= max, `must be at most ${max} characters`], ...rules];
    const broken = all.find(([ok]) => !ok(s));
    if (broken) ctx.addIssue({ code: 'custom', message: broken[1] });
  });
}

const NO_SPACE: [(s: string) => boolean, string] = [(s) => !controlOrSpace.test(s), 'must not contain spaces, newlines or control characters'];

export const Version = field(VERSION_MAX, [
  NO_SPACE,
  [(s) => /^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(s), 'may hold only letters, digits and . _ + - (starting with a letter or digit), e.g. v2.1.0'],
]);

export const Revision = field(REVISION_MAX, [
  NO_SPACE,
  [(s) => /^[A-Za-z0-9._+/-]+$/.test(s), 'may hold only letters, digits and . _ + - /, e.g. release/v2.1.0'],
  [(s) => !/\.\.|\/\/|@\{|^[/.]|[/.]$|\.lock$|\/\./.test(s), 'is not a valid git ref (no "..", "//", "@{", no leading or trailing "/" or ".", no ".lock" ending)'],
]);

export const ImageTag = field(IMAGE_TAG_MAX, [
  NO_SPACE,
  [(s) => /^[A-Za-z0-9_][A-Za-z0-9._-]*$/.test(s), 'may hold only letters, digits and . _ - (an image tag, e.g. v2.1.0)'],
]);

export const NAME_MAX = 128;
export const REASON_MAX = 500;

export const Name = field(NAME_MAX, [
  NO_SPACE,
  [(s) => /^[A-Za-z0-9._-]+$/.test(s), 'may hold only letters, digits and . _ -'],
]);

export const RingName = field(RING_NAME_MAX, [[(s) => !control.test(s), 'must not contain newlines or control characters']]);

/** A request to start a release, as the API and the controller accept it. */
export const StartRequestFields = z.strictObject({
  service: Name.optional(),
  version: Version,
  revision: Revision.optional(),
  image: ImageTag.optional(),
  changes: z.array(z.enum(['app', 'infra', 'schema'])).min(1).optional(),
  schemaPhase: z.enum(['expand', 'contract']).optional(),
});

/** A freeze a person starts (stop the line): why, and where (no regions, no services: everything). */
export const FreezeFields = z.strictObject({
  reason: field(REASON_MAX, [
    [(s) => s.trim().length > 0, 'must say why (it is shown on every release it holds)'],
    [(s) => !control.test(s), 'must not contain newlines or control characters'],
    [(s) => !/bearer\s+\S{8,}|token=|authorization\s*[:=]|\beyJ[A-Za-z0-9_-]{4,}\./i.test(s), 'looks like it carries a credential; leave secrets out of a reason'],
  ]),
  regions: z.array(Name).max(1000).optional(),
  services: z.array(Name).max(1000).optional(),
});

/** `field: message` for the first problem of a start request, or null when it is valid. */
export function startRequestProblem(req: unknown): string | null {
  const parsed = StartRequestFields.safeParse(req);
  if (parsed.success) return null;
  const issue = parsed.error.issues[0]!;
  return `${issue.path.join('.') || 'request'}: ${issue.message}`;
}
