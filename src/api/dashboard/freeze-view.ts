/**
 * @module Stop the line on every page: the freezes in force (reason, scope, who started them and
 * when) with an End button each for operators, and the form an operator stops the line with
 * (reason, optional regions and services). Only what to show: the API decides, and refuses with its
 * own words whatever it does not allow (a token limited to some services, an unknown region).
 */
import type { Actor, FreezeView } from '../../runtime/controller-types.ts';
import { hasRole } from '../auth.ts';
import { utcMinute } from './format.ts';
import { html, type SafeHtml } from './html.ts';

/** Where a freeze holds, in words: `everything`, `eu-west-1`, `checkout, search in eu-west-1`. */
export function freezeScope(f: Pick<FreezeView, 'regions' | 'services'>): string {
  if (f.regions.length === 0 && f.services.length === 0) return 'everything';
  const services = f.services.length === 0 ? 'every service' : f.services.join(', ');
  if (f.regions.length === 0) return services;
  return f.services.length === 0 ? f.regions.join(', ') : `${services} in ${f.regions.join(', ')}`;
}

function endButton(f: FreezeView): SafeHtml {
  return html`<button type="button" class="action primary" data-action="freeze-end" data-freeze="${f.id}" data-ring=""
  data-question="End the freeze “${f.reason}”?" data-consequence="Rings it holds (${freezeScope(f)}) may start deploying at once." aria-label="End the freeze “${f.reason}”">End</button>`;
}

function freezeItem(f: FreezeView, mayEnd: boolean): SafeHtml {
  return html`<li class="freeze" data-freeze="${f.id}"><strong class="freeze-reason">${f.reason}</strong>
  <span class="freeze-scope">${freezeScope(f)}</span>
  <span class="freeze-who">started by ${f.startedBy} at ${utcMinute(f.startedAt)}</span>
  ${mayEnd ? endButton(f) : ''}</li>`;
}

/** The form an operator stops the line with; its markup never changes, so the page keeps what was typed across refreshes. */
function stopTheLine(actor: Actor): SafeHtml {
  const limited = actor.services && actor.services.length > 0
    ? html`<p class="hint">Your token covers ${actor.services.join(', ')}: name them under Services.</p>`
    : '';
  return html`<details class="stop-line" id="stop-line" data-keep>
  <summary id="stop-line-toggle">Stop the line…</summary>
  <form id="freeze-form" class="freeze-form" autocomplete="off">
    <p class="hint">While a freeze is in force no ring in its scope starts deploying; bakes, gates and rollbacks go on.</p>
    <div class="fields">
      <label for="freeze-reason">Reason <span class="muted">(required, shown on every release it holds)</span></label>
      <input id="freeze-reason" name="reason" required maxlength="500" placeholder="e.g. incident 4711">
      <label for="freeze-regions">Regions <span class="muted">(separated by commas; empty: every region)</span></label>
      <input id="freeze-regions" name="regions" spellcheck="false" placeholder="every region">
      <label for="freeze-services">Services <span class="muted">(separated by commas; empty: every service)</span></label>
      <input id="freeze-services" name="services" spellcheck="false" placeholder="every service">
    </div>
    ${limited}
    <div class="buttons"><button type="submit" class="danger" id="freeze-submit">Stop the line</button></div>
  </form>
</details>`;
}

/** The top of every page: the freezes in force, and for operators the means to end them and to stop the line. */
export function freezeBanner(freezes: readonly FreezeView[], actor: Actor): SafeHtml {
  const operator = hasRole(actor, 'operator');
  if (freezes.length === 0 && !operator) return html``;
  const list = freezes.length === 0
    ? ''
    : html`<div class="freezes-on" role="status"><h2 id="freezes-h">The line is stopped</h2>
<ul class="freeze-list">${freezes.map((f) => freezeItem(f, operator))}</ul></div>`;
  return html`<section class="freezes" aria-label="Stop the line">${list}${operator ? stopTheLine(actor) : ''}</section>`;
}

/** On a release page: the freezes that hold this release, or nothing. */
export function heldBy(freezes: readonly FreezeView[]): SafeHtml {
  if (freezes.length === 0) return html``;
  const items = freezes.map((f) => html`<li><strong>${f.reason}</strong> (${freezeScope(f)}; started by ${f.startedBy} at ${utcMinute(f.startedAt)})</li>`);
  return html`<div class="held"><p>Held by ${freezes.length === 1 ? 'a freeze' : `${freezes.length} freezes`}: no ring of this release starts deploying until ${freezes.length === 1 ? 'it ends' : 'they end'}.</p><ul>${items}</ul></div>`;
}
