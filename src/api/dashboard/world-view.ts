/**
 * @module Which version runs where: one row per region (its ring, version and share of users, the
 * regions on the new version marked), and the blast radius so far as a bar, per residency zone too.
 */
import type { Policy } from '../../policy/schema.ts';
import type { ReleaseView } from '../../runtime/controller-types.ts';
import { html, type SafeHtml } from './html.ts';
import { share } from './format.ts';

export function worldTable(policy: Policy, view: ReleaseView): SafeHtml {
  const rows = view.rings.flatMap((ring) =>
    ring.regions.map((name) => {
      const region = policy.spec.regions.find((r) => r.name === name);
      const version = view.versions[name] ?? 'unknown';
      const isNew = version === view.version;
      const users = region?.internal ? 'internal' : share(region?.userShare ?? 0);
      return html`<tr class="${isNew ? 'on-new' : ''}">
  <th scope="row">${name}</th><td>${ring.name}</td>
  <td>${isNew ? html`<span class="tag tag-new">new</span> ` : ''}<code>${version}</code></td>
  <td class="num">${users}</td>
</tr>`;
    }),
  );
  return html`<div class="scroll"><table class="world">
<caption class="vh">Version per region</caption>
<thead><tr><th scope="col">Region</th><th scope="col">Ring</th><th scope="col">Version</th><th scope="col" class="num">Users</th></tr></thead>
<tbody>${rows}</tbody>
</table></div>`;
}

const barWidth = (x: number): number => Math.round(Math.min(1, Math.max(0, x)) * 1000) / 10;

/** The blast radius so far, then, for a policy with residency zones, each zone's share of its own users. */
export function blastRadius(view: ReleaseView): SafeHtml {
  const pct = barWidth(view.blastRadius.userShare);
  const label = `${share(view.blastRadius.userShare)} of users on ${view.version}`;
  return html`<div class="blast">
  <p class="blast-label"><strong>${share(view.blastRadius.userShare)}</strong> of users on <code>${view.version}</code></p>
  <svg class="bar bar-blast" viewBox="0 0 100 8" preserveAspectRatio="none" role="img" aria-label="${label}"><rect class="bar-track" width="100" height="8" rx="4"/><rect class="bar-fill" width="${pct}" height="8" rx="4"/></svg>
  ${zoneBlast(view)}
</div>`;
}

/** One line and bar per residency zone: the share of the zone's users on the new version, and the regions it runs in. */
function zoneBlast(view: ReleaseView): SafeHtml {
  const zones = view.blastRadius.zones ?? [];
  if (zones.length === 0) return html``;
  const items = zones.map((z) => {
    const label = `${share(z.userShare)} of ${z.residency} users on ${view.version}`;
    return html`<li class="blast-zone" data-zone="${z.residency}"><p class="blast-label"><strong>${share(z.userShare)}</strong> of ${z.residency} users${z.regions.length > 0 ? html` <span class="muted">(${z.regions.join(', ')})</span>` : ''}</p>
  <svg class="bar bar-blast" viewBox="0 0 100 8" preserveAspectRatio="none" role="img" aria-label="${label}"><rect class="bar-track" width="100" height="8" rx="4"/><rect class="bar-fill" width="${barWidth(z.userShare)}" height="8" rx="4"/></svg></li>`;
  });
  return html`<ul class="blast-zones" aria-label="Blast radius per residency zone">${items}</ul>`;
}
