/**
 * @module A sink URL's `${NAME}` references filled in from the environment, at the moment a
 * notification is sent and nowhere else, with the secrets that filling in brought: the values
 * referred to, and the credentials and long query values of the URL they make (hooks.ts). Every
 * message about a delivery is redacted with them. Pure: the environment is passed in.
 */
import { urlSecrets } from '../hooks/hooks.ts';

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export type Expanded =
  | { ok: true; url: URL; secrets: string[] }
  | { ok: false; error: string; secrets: string[] };

/** `url` with every reference replaced by its variable's value; refused when one is unset or empty, or when what results is not an http(s) URL. */
export function expandUrl(url: string, env: Readonly<Record<string, string | undefined>>): Expanded {
  const secrets: string[] = [];
  let missing: string | undefined;
  const text = url.replace(REFERENCE, (_whole, name: string) => {
    const value = env[name];
    if (value === undefined || value === '') {
      missing ??= name;
      return '';
    }
    secrets.push(value);
    return value;
  });
  if (missing !== undefined) return { ok: false, error: `\${${missing}} is not set in the environment of meridian serve`, secrets };
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return { ok: false, error: 'the URL is not a URL once its ${...} parts are filled in from the environment', secrets };
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return { ok: false, error: 'the URL is not an http or https URL once its ${...} parts are filled in', secrets };
  return { ok: true, url: parsed, secrets: [...secrets, ...urlSecrets(parsed)] };
}
