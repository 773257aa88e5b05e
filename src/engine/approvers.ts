/**
 * @module Who may approve a ring: a listed user name, or a member of a listed `group:NAME`.
 */

export function isApprover(approvers: readonly string[], user: string, groups: readonly string[]): boolean {
  return approvers.some((a) => (a.startsWith('group:') ? groups.includes(a.slice('group:'.length)) : a === user));
}
