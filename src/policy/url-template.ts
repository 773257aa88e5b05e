/**
 * @module Link templates of a policy: `spec.delivery.gitops.commitUrl` (placeholder `{{sha}}`, which
 * it must use) and `spec.delivery.health.argocd.appUrl` (`{{app}}`, `{{cluster}}`, `{{region}}`).
 * A template is an http or https URL once its placeholders are filled, and uses only the
 * placeholders of its field (spaces inside the braces are allowed). Each value goes in
 * URL-encoded; a `/` in a value (an application `namespace/name`) stays a path separator. Pure.
 */
import { z } from 'zod';

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

export interface UrlTemplateRule {
  /** The placeholders the field offers. */
  placeholders: readonly string[];
  /** Those it must use. */
  required: readonly string[];
  /** A template of the field, for messages. */
  example: string;
}

export const COMMIT_URL: UrlTemplateRule = { placeholders: ['sha'], required: ['sha'], example: 'https://git.example.com/org/deploy/commit/{{sha}}' };
export const APP_URL: UrlTemplateRule = { placeholders: ['app', 'cluster', 'region'], required: [], example: 'https://argocd.example.com/applications/argocd/{{app}}' };

const list = (names: readonly string[]): string => names.map((n) => `{{${n}}}`).join(', ');

/** `value` as it goes into a URL: each `/`-separated part encoded. */
const encode = (value: string): string => value.split('/').map(encodeURIComponent).join('/');

/** The template with each placeholder replaced by its value, URL-encoded; placeholders without a value are left as they are. */
export function renderUrl(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(PLACEHOLDER, (whole, key: string) => (Object.hasOwn(values, key) ? encode(values[key]!) : whole));
}

/** What is wrong with a template, in words, or null when it is a good one. */
export function urlTemplateProblem(template: string, rule: UrlTemplateRule): string | null {
  const used = [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
  const unknown = used.find((k) => !rule.placeholders.includes(k));
  if (unknown !== undefined) return `"{{${unknown}}}" is not a placeholder here (use ${list(rule.placeholders)}, e.g. ${rule.example})`;
  if (template.replace(PLACEHOLDER, '').match(/\{\{|\}\}/)) return `"${template}" has an unclosed placeholder (write {{name}})`;
  const missing = rule.required.find((k) => !used.includes(k));
  if (missing !== undefined) return `"${template}" has no {{${missing}}} (e.g. ${rule.example})`;
  const sample = renderUrl(template, Object.fromEntries(rule.placeholders.map((k) => [k, 'x'])));
  let url: URL;
  try {
    url = new URL(sample);
  } catch {
    return `"${template}" is not a URL (e.g. ${rule.example})`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `"${template}" is not an http or https URL (e.g. ${rule.example})`;
  if (url.username !== '' || url.password !== '') return `"${template}" carries a user name or password; a link must not hold credentials`;
  return null;
}

/** A link template as a schema field: a string that urlTemplateProblem finds nothing wrong with. */
export function urlTemplate(rule: UrlTemplateRule) {
  return z.string().superRefine((s, ctx) => {
    const problem = urlTemplateProblem(s, rule);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
}
