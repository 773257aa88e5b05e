/**
 * @module Redaction of credentials from everything the GitOps adapter says: error messages and log
 * lines pass through redact(), which removes secret values taken from the environment and the
 * credentials part of URLs. Nothing here touches git or the file system.
 */

/** Environment variables whose values are secrets, by name. */
const SECRET_NAME = /(TOKEN|PASSWORD|SECRET|_PASS|_KEY)$/i;

/**
 * Secret values to hide, longest first: MERIDIAN_GIT_TOKEN (the one this adapter reads) whatever its
 * length, and any other variable named like a secret whose value is at least 8 characters long.
 */
export function secretValues(env: NodeJS.ProcessEnv): string[] {
  const values = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (!value || !(name === 'MERIDIAN_GIT_TOKEN' || (value.length >= 8 && SECRET_NAME.test(name)))) continue;
    values.add(value);
    const encoded = encodeURIComponent(value);
    if (encoded !== value) values.add(encoded);
  }
  return [...values].sort((a, b) => b.length - a.length);
}

/**
 * `text` without secrets: every secret value from `env` becomes `***`; `scheme://user:pass@`
 * becomes `scheme://***@`, and so does `http(s)://token@` (a lone user name over HTTP is usually a token).
 */
export function redact(text: string, env: NodeJS.ProcessEnv = {}): string {
  let out = text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)([^\s/@]+)@/gi, (whole, scheme: string, userinfo: string) =>
    userinfo.includes(':') || /^https?:\/\/$/i.test(scheme) ? `${scheme}***@` : whole,
  );
  for (const secret of secretValues(env)) out = out.split(secret).join('***');
  return out;
}
