/**
 * @module The sign-in configuration `serve --oidc-roles FILE` reads: which claims of the identity
 * provider give the user name and the groups, how long a session lasts, which scopes to ask for,
 * and which groups get which role (viewer, operator, admin), optionally limited to services as a
 * token made with `--services` is. A YAML file:
 *
 *     claims: { user: preferred_username, groups: groups }   # the defaults
 *     sessionHours: 8                                          # 1 to 168; default 8
 *     scopes: [openid, profile, email, groups]                 # default openid, profile, email
 *     roles:
 *       - { group: platform-admins, role: admin }
 *       - { group: release-team, role: operator }
 *       - { group: shop, role: operator, services: [checkout, cart] }
 *       - { group: engineering, role: viewer }
 *
 * A person gets the highest role of their groups. Their writes are limited to services only when
 * every operator or admin entry of theirs is limited, and then to all of those services together.
 * A person in none of the groups cannot sign in. A bad file is a UsageError naming the file, line,
 * column and field (exit code 2).
 */
import { z } from 'zod';
import { PolicyError, UsageError, formatLocated } from '../../errors.ts';
import { loadDocument, type Issue } from '../../policy/source.ts';
import type { Actor, Role } from '../../runtime/controller-types.ts';
import { MAX_TOKEN_SERVICES, ROLES, SERVICE_NAME, SERVICE_NAME_RULE } from '../tokens.ts';

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** A claim's name: what JWT claims are called (`preferred_username`, `groups`, `https://example.com/groups`). */
const CLAIM = /^[A-Za-z0-9_:/.#-]{1,200}$/;
const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]{1,100}$/;

const Group = z.string().min(1, { error: 'must not be empty' }).max(200, { error: 'at most 200 characters' }).regex(/^[^\p{Cc}]+$/u, { error: 'must not hold a control character' });

const Entry = z.strictObject({
  group: Group,
  role: z.enum(ROLES),
  services: z
    .array(z.string().regex(SERVICE_NAME, { error: (iss) => `${JSON.stringify(iss.input)} is not a service name (${SERVICE_NAME_RULE})` }))
    .min(1, { error: 'must name at least one service (leave the field out for every service)' })
    .max(MAX_TOKEN_SERVICES, { error: `at most ${MAX_TOKEN_SERVICES} services` })
    .optional(),
});

export const SignInConfigSchema = z.strictObject({
  claims: z
    .strictObject({
      user: z.string().regex(CLAIM, { error: 'is not a claim name' }).default('preferred_username'),
      groups: z.string().regex(CLAIM, { error: 'is not a claim name' }).default('groups'),
    })
    .default({ user: 'preferred_username', groups: 'groups' }),
  sessionHours: z.number().min(1, { error: 'at least 1 hour' }).max(168, { error: 'at most 168 hours (a week)' }).default(8),
  scopes: z.array(z.string().regex(SCOPE, { error: 'is not a scope name' })).min(1).max(20).default(['openid', 'profile', 'email']),
  roles: z.array(Entry).min(1, { error: 'give at least one group a role' }).max(1000, { error: 'at most 1000 entries' }),
});

export type SignInConfig = z.output<typeof SignInConfigSchema>;

function check(value: SignInConfig): Issue[] {
  const issues: Issue[] = [];
  if (!value.scopes.includes('openid')) issues.push({ path: ['scopes'], message: 'must include openid (an OpenID Connect sign-in asks for it)' });
  const seen = new Map<string, number>();
  value.roles.forEach((e, i) => {
    const before = seen.get(e.group);
    if (before !== undefined) issues.push({ path: ['roles', i, 'group'], message: `"${e.group}" is already given a role at roles[${before}]; give each group one entry` });
    else seen.set(e.group, i);
    if (e.services && e.role === 'viewer') issues.push({ path: ['roles', i, 'services'], message: 'a viewer only reads, and reads every service (leave the field out, or make the role operator)' });
  });
  return issues;
}

/** The configuration in `text`; a UsageError listing every problem as FILE:LINE:COL: PATH: MESSAGE. */
export function parseSignInConfig(text: string, file: string): SignInConfig {
  try {
    return loadDocument(text, file, SignInConfigSchema, check).value;
  } catch (e) {
    if (e instanceof PolicyError) throw new UsageError(e.problems.map(formatLocated).join('\n'));
    throw e;
  }
}

/** Who signed in, as the identity provider said (claims already checked). */
export interface Identity {
  issuer: string;
  subject: string;
  user: string;
  name: string | null;
  groups: readonly string[];
}

/** The actor a person's groups make them under `config`, or null when none of their groups has a role. */
export function actorFor(config: SignInConfig, who: Identity): Actor | null {
  const mine = config.roles.filter((e) => who.groups.includes(e.group));
  if (mine.length === 0) return null;
  const role = mine.reduce<Role>((best, e) => (RANK[e.role] > RANK[best] ? e.role : best), 'viewer');
  const writers = mine.filter((e) => e.role !== 'viewer');
  const limited = writers.length > 0 && writers.every((e) => e.services !== undefined);
  const services = limited ? [...new Set(writers.flatMap((e) => e.services!))] : undefined;
  return {
    user: who.user, groups: [...who.groups], role, ...(services ? { services } : {}),
    idp: { issuer: who.issuer, subject: who.subject, name: who.name },
  };
}
