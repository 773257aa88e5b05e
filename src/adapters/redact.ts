/**
 * @module What every adapter does to text before it reaches a message: redact() removes the secrets
 * the adapter knows (its token values, secret-named environment variables, the credentials part of
 * URLs), also URL-encoded; shorten() puts a text on one line and cuts it between words, ending with
 * "… (1,234 more characters)"; excerpt() does both, in that order, for text a provider sent. Order
 * matters: a text cut first and redacted second keeps whatever part of a secret crosses the cut,
 * which no longer matches the secret. Pure: no I/O, no environment read here.
 */
import { count } from '../gates/format.ts';

/** What a secret becomes in a message unless the caller says otherwise. */
export const REDACTED = '[redacted]';

/** What an adapter knows to be secret. */
export interface Known {
  /** Secret values (tokens) the adapter holds; empty and missing ones are ignored. */
  secrets?: readonly (string | undefined)[];
  /** An environment whose secret-named variables (see secretValues) are hidden too. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Names in `env` whose values are secret whatever their length (e.g. MERIDIAN_GIT_TOKEN). */
  alwaysSecret?: readonly string[];
  /** What a secret becomes; `[redacted]` by default. */
  marker?: string;
}

/** Environment variables whose values are secrets, by name. */
const SECRET_NAME = /(TOKEN|PASSWORD|SECRET|_PASS|_KEY)$/i;

/**
 * A secret as a provider may send it back: as it is, URL-encoded (component, whole-URI and form
 * encoding, with upper- or lower-case hex digits) and JSON-escaped.
 */
function forms(value: string): string[] {
  const out = new Set<string>([value]);
  const encodings = [encodeURIComponent, encodeURI, (v: string) => new URLSearchParams({ v }).toString().slice(2)];
  for (const encode of encodings) {
    let encoded: string;
    try {
      encoded = encode(value);
    } catch {
      continue; // a lone surrogate: no URL carries this form
    }
    out.add(encoded);
    out.add(encoded.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()));
  }
  out.add(JSON.stringify(value).slice(1, -1));
  return [...out];
}

/**
 * Secret values to hide from `env`, longest first, with their encoded forms: the variables named in
 * `alwaysSecret` whatever their length, and any other variable named like a secret whose value is at
 * least 8 characters long (shorter ones are flags such as `true`, not secrets).
 */
export function secretValues(env: Readonly<Record<string, string | undefined>>, alwaysSecret: readonly string[] = []): string[] {
  const values = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (!value || !(alwaysSecret.includes(name) || (value.length >= 8 && SECRET_NAME.test(name)))) continue;
    for (const form of forms(value)) values.add(form);
  }
  return [...values].sort((a, b) => b.length - a.length);
}

/**
 * A secret's start or end this long, found where the rest of it is missing, is still hidden: a
 * provider that cut its own echo of the token leaves such a piece.
 */
const PIECE = 8;

/** Where `secret` (or, when `pieces`, a start or end of it of PIECE+ characters) sits in `text`. */
function spans(text: string, secret: string, pieces: boolean): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  if (!pieces || secret.length <= PIECE) {
    for (let i = text.indexOf(secret); i !== -1; i = text.indexOf(secret, i + secret.length)) out.push([i, i + secret.length]);
    return out;
  }
  const head = secret.slice(0, PIECE);
  for (let i = text.indexOf(head); i !== -1; i = text.indexOf(head, i + 1)) {
    let k = PIECE;
    while (k < secret.length && text[i + k] === secret[k]) k++;
    out.push([i, i + k]);
  }
  const tail = secret.slice(-PIECE);
  for (let j = text.indexOf(tail); j !== -1; j = text.indexOf(tail, j + 1)) {
    const end = j + PIECE;
    let k = PIECE;
    while (k < secret.length && end - k - 1 >= 0 && text[end - k - 1] === secret[secret.length - k - 1]) k++;
    out.push([end - k, end]);
  }
  return out;
}

/** `scheme://user:pass@`, or `http(s)://token@` (a lone user name over HTTP is usually a token). */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/@]+)@/gi;

/**
 * `text` without secrets: every known secret value, in any of its encoded forms, becomes the marker,
 * and so does a piece of 8 or more characters from the start or end of a token in `secrets`;
 * `scheme://user:pass@` becomes `scheme://MARKER@`, and so does `http(s)://user@`.
 */
export function redact(text: string, known: Known = {}): string {
  const marker = known.marker ?? REDACTED;
  const found: Array<[number, number]> = [];
  for (const secret of known.secrets ?? []) {
    if (!secret) continue;
    for (const form of forms(secret)) found.push(...spans(text, form, true));
  }
  for (const value of known.env ? secretValues(known.env, known.alwaysSecret) : []) found.push(...spans(text, value, false));
  found.sort((a, b) => a[0] - b[0]);
  let out = '';
  let at = 0;
  for (let i = 0; i < found.length; i++) {
    let [start, end] = found[i]!;
    if (start < at) start = at;
    while (i + 1 < found.length && found[i + 1]![0] <= end) end = Math.max(end, found[++i]![1]);
    if (end <= at) continue;
    out += `${text.slice(at, start)}${marker}`;
    at = end;
  }
  out += text.slice(at);
  return out.replace(URL_CREDENTIALS, (whole, scheme: string, userinfo: string) =>
    userinfo.includes(':') || /^https?:\/\/$/i.test(scheme) ? `${scheme}${marker}@` : whole,
  );
}

/** Control characters (C0, DEL, C1) and white space, line and paragraph separators included. */
const NOT_ONE_LINE = /[\s\x00-\x1f\x7f-\x9f]+/g;
/** Characters after which a cut inside a long word still falls between words of a URL or a path. */
const ENDS_A_PART = /[/\\,;:.!?)\]}>"'&=|]/;
const SURROGATE_PAIR = /[\uD800-\uDBFF][\uDC00-\uDFFF]/g;

/**
 * `text` on one line and, when longer than `max` characters, cut between words and ended with
 * ` … (N more characters)`, N counting what was left out. It cuts at the last space within `max`; when
 * that would keep less than half, at the last `/`, `,`, `;`, `=` or similar punctuation within
 * `max` instead; a single word longer than `max` with no such place is left out whole. Characters
 * are code points: a cut never splits one.
 */
export function shorten(text: string, max: number): string {
  const flat = text.replace(NOT_ONE_LINE, ' ').trim();
  if (flat.length <= max) return flat;
  const total = flat.length - (flat.match(SURROGATE_PAIR)?.length ?? 0);
  if (total <= max) return flat;
  // Where each of the first max + 1 code points starts, in UTF-16 units.
  const at: number[] = [];
  for (let i = 0; at.length <= max; i += flat.codePointAt(i)! > 0xffff ? 2 : 1) at.push(i);
  let cut = 0;
  for (let k = max; k > 0; k--) {
    if (flat[at[k]!] === ' ') {
      cut = k;
      break;
    }
  }
  if (cut < max / 2) {
    for (let k = max; k > cut; k--) {
      if (ENDS_A_PART.test(flat[at[k - 1]!]!)) {
        cut = k;
        break;
      }
    }
  }
  const kept = flat.slice(0, at[cut]).trimEnd();
  const left = total - cut - (flat[at[cut]!] === ' ' ? 1 : 0);
  return `${kept}${kept ? ' ' : ''}… (${count(left)} more character${left === 1 ? '' : 's'})`;
}

/** Text a provider sent (an error body, a status message, stderr), fit for a message: redacted, then shortened. */
export function excerpt(text: string, known: Known, max: number): string {
  return shorten(redact(text, known), max);
}
