/**
 * @module The cross-region comparison table: per region its version, Watch (new version) or
 * Baseline, and error rate, p99 latency, CPU, memory and QPS over a window (the last hour; or, for a
 * failed ring's evidence, the window its verdict read); a value outside a gate of its ring is
 * highlighted and says so in words.
 */
import { COMPARISON_METRICS, type ComparisonRow } from '../../runtime/region-table.ts';
import { html, type SafeHtml } from './html.ts';
import { metricLabel, metricValue } from './format.ts';

/** `caption` says what window the values cover, for screen readers (the section's heading says it to everyone). */
export function comparisonTable(rows: readonly ComparisonRow[], caption = 'Metrics per region over the last hour'): SafeHtml {
  if (rows.length === 0) return html`<p class="empty">No regions to compare.</p>`;
  const body = rows.map((row) => {
    const cells = COMPARISON_METRICS.map((m) => {
      const breach = row.breaches.includes(m);
      const text = metricValue(m, row.values[m]);
      return breach
        ? html`<td class="num breach" data-label="${metricLabel(m)}" title="outside its gate"><span aria-hidden="true">▲ </span>${text}<span class="vh"> (outside its gate)</span></td>`
        : html`<td class="num${row.values[m] === null ? ' nodata' : ''}" data-label="${metricLabel(m)}">${text}</td>`;
    });
    const status = row.status === 'Watch' ? html`<span class="tag tag-watch">Watch</span>` : html`<span class="tag tag-base">Baseline</span>`;
    return html`<tr><th scope="row">${row.region}</th><td>${row.ring}</td><td><code>${row.version}</code></td><td>${status}</td>${cells}</tr>`;
  });
  const heads = COMPARISON_METRICS.map((m) => html`<th scope="col" class="num">${metricLabel(m)}</th>`);
  return html`<div class="scroll"><table class="comparison">
<caption class="vh">${caption}</caption>
<thead><tr><th scope="col">Region</th><th scope="col">Ring</th><th scope="col">Version</th><th scope="col">Status</th>${heads}</tr></thead>
<tbody>${body}</tbody>
</table></div>`;
}
