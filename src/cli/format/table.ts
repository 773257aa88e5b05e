/**
 * @module A plain-text table: a header row and rows, columns left-aligned and separated by two
 * spaces, no trailing spaces. Widths count UTF-16 code units, which is right for the ASCII text
 * Meridian prints. No dependencies.
 */

export function table(headers: string[], rows: string[][]): string {
  const columns = Math.max(headers.length, ...rows.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, c) => Math.max(0, ...[headers, ...rows].map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]): string =>
    widths.map((w, c) => (cells[c] ?? '').padEnd(w)).join('  ').trimEnd();
  return [headers, ...rows].map(line).join('\n') + '\n';
}
