/**
 * @module Which buttons a signed-in person sees on a release: approve for a listed approver of the
 * ring that waits for approval, resume, abort and roll back for operators when the release is in a
 * phase that allows them, as the engine's allowedActions() says. Only what to show: the API (the
 * controller and the engine) decides, and refuses whatever is sent anyway.
 */
import { isApprover } from '../../engine/approvers.ts';
import type { Actor, ReleaseView } from '../../runtime/controller-types.ts';
import { hasRole } from '../auth.ts';

export type ActionKind = 'approve' | 'resume' | 'abort' | 'rollback';

export interface Action {
  kind: ActionKind;
  /** The ring an approval is for. */
  ring?: string;
  /** The button's text. */
  label: string;
  /** The question in the confirmation dialog. */
  question: string;
  /** What happens, one sentence. */
  consequence: string;
  /** Irreversible or user-visible: drawn as a dangerous button. */
  danger: boolean;
}

export function actionsFor(view: ReleaseView, actor: Actor): Action[] {
  const out: Action[] = [];
  const allowed = view.actions;
  for (const ring of view.rings) {
    if (allowed.approve.includes(ring.name) && isApprover(ring.approvers, actor.user, actor.groups)) {
      out.push({
        kind: 'approve', ring: ring.name, label: `Approve ${ring.name}`, danger: false,
        question: `Approve ${ring.name}?`,
        consequence: `${view.version} will be deployed to ${ring.regions.join(', ')} (${Math.round(ring.userShare * 100)}% of users) as soon as its deploy window allows.`,
      });
    }
  }
  if (!hasRole(actor, 'operator')) return out;
  if (allowed.resume) {
    out.push({ kind: 'resume', label: 'Resume', danger: false, question: 'Resume this release?', consequence: 'It carries on from the step where it halted.' });
  }
  if (allowed.rollback.length > 0) {
    out.push({
      kind: 'rollback', label: 'Roll back', danger: true, question: `Roll back ${allowed.rollback.join(', ')}?`,
      consequence: `Each ring goes back to ${view.previousVersion}, downstream first, by reverting its promotion.`,
    });
  }
  if (allowed.abort) {
    out.push({ kind: 'abort', label: 'Abort', danger: true, question: 'Abort this release?', consequence: 'It stops where it is for good; nothing is rolled back.' });
  }
  return out;
}
