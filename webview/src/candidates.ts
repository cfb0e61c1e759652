/**
 * The "Worth caching" section: observe mode's candidates, ranked by the time caching would save
 * per minute, with why (calls, repeat share, mean time), the purity hints, and a "Cache this
 * function" button per row (`data-action="cache-candidate"`; main.ts posts the message).
 */
import { formatCount, formatDuration, formatPercent } from '../../protocol/format.js';
import type { CandidateRow } from '../../protocol/panel.js';

export const CANDIDATES_SKELETON = `
<section id="candidates" aria-labelledby="candidates-title" hidden>
  <h2 id="candidates-title">Worth caching <span class="hint">(observe mode: what caching would save per minute)</span></h2>
  <div class="table-scroll"><table id="candidates-table" aria-labelledby="candidates-title">
    <thead><tr><th>Function</th><th class="num">Saves / min</th><th class="num">Calls</th><th class="num">Repeats</th><th class="num">Mean time</th><th>Why / warnings</th><th class="actions"></th></tr></thead>
    <tbody></tbody>
  </table></div>
</section>`;

/** Why this row ranks where it does, in words. */
export function why(row: CandidateRow): string {
  const mean = row.calls > 0 ? row.totalMs / row.calls : 0;
  const share = row.calls > 0 ? row.repeats / row.calls : 0;
  const parts = [`${formatCount(row.calls)} calls, ${formatPercent(share)} with arguments seen before, ${formatDuration(mean)} each`];
  if (row.unkeyable > 0) parts.push(`${formatCount(row.unkeyable)} with arguments that cannot be a cache key`);
  return parts.join('; ');
}

/** The hints as one line (empty when none). */
export function warnings(row: CandidateRow): string {
  return (row.hints ?? []).map((h) => h.text).join(', ');
}

let rendered = '';

/** Renders the section (hidden when nothing was observed); rows are rebuilt only when their figures changed. */
export function renderCandidates(section: HTMLElement, rows: readonly CandidateRow[] | undefined): void {
  section.hidden = !rows || rows.length === 0;
  const key = JSON.stringify(rows ?? []);
  if (!rows || key === rendered) return;
  rendered = key;
  const body = section.querySelector('tbody')!;
  const trs = rows.map((row) => {
    const tr = document.createElement('tr');
    tr.dataset.candidate = row.id;
    const name = row.id.slice(row.id.lastIndexOf('#') + 1);
    const where = row.source ? `${row.source.file.split(/[\\/]/).pop()}:${row.source.line}` : `${row.file}:${row.line}`;
    const cells: Array<[string, string, string?]> = [
      [`${name} `, 'name'],
      [formatDuration(row.savedMsPerMinute), 'num'],
      [formatCount(row.calls), 'num'],
      [formatPercent(row.calls > 0 ? row.repeats / row.calls : 0), 'num'],
      [formatDuration(row.calls > 0 ? row.totalMs / row.calls : 0), 'num'],
      [why(row), 'why'],
    ];
    for (const [text, cls] of cells) {
      const td = document.createElement('td');
      td.className = cls;
      td.textContent = text;
      tr.append(td);
    }
    const at = document.createElement('span');
    at.className = 'hint';
    at.textContent = where;
    tr.cells[0]!.append(at);
    const warn = warnings(row);
    if (warn) {
      const span = document.createElement('div');
      span.className = 'impure';
      span.textContent = `⚠ may not be safe to cache: ${warn}`;
      tr.cells[5]!.append(span);
      tr.classList.add('impure-row');
    }
    const td = document.createElement('td');
    td.className = 'actions';
    const button = document.createElement('button');
    button.type = 'button';
    button.dataset.action = 'cache-candidate';
    button.dataset.id = row.id;
    button.dataset.file = row.file;
    button.dataset.line = String(row.line);
    button.textContent = 'Cache this function';
    button.title = `Cache ${name} (${where}) with "Cache this function"`;
    td.append(button);
    tr.append(td);
    return tr;
  });
  body.replaceChildren(...trs);
}
