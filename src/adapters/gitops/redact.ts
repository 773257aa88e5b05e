/**
 * @module The GitOps adapter's view of the shared redaction (../redact.ts): secrets are the values of
 * secret-named environment variables, MERIDIAN_GIT_TOKEN (the one this adapter reads) whatever its
 * length, and the credentials part of URLs; each becomes `***`. Nothing here touches git or the
 * file system.
 */
import { redact as redactKnown, secretValues as secretValuesOf } from '../redact.ts';

const ALWAYS_SECRET = ['MERIDIAN_GIT_TOKEN'];

/** Secret values to hide from `env`, longest first, with their URL-encoded forms. */
export function secretValues(env: NodeJS.ProcessEnv): string[] {
  return secretValuesOf(env, ALWAYS_SECRET);
}

/** `text` without the secrets of `env` and without URL credentials (see ../redact.ts). */
export function redact(text: string, env: NodeJS.ProcessEnv = {}): string {
  return redactKnown(text, { env, alwaysSecret: ALWAYS_SECRET, marker: '***' });
}
