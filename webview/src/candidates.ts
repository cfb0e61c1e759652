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
    <thead><tr><th>Function</th><th class="num">Saves / min</th><th class="num">Calls</th><th class="num">Repeats</th><th class="num">Mean time</th><th>Warnings</th><th class="actions"></th></tr></thead>
    <tbody></tbody>
  </table></div>
</section>`;

/** Why this row ranks where it does, in words (the row's tooltip; the columns show the same figures). */
export function why(row: CandidateRow): string {
  const mean = row.calls > 0 ? row.totalMs / row.calls : 0;
  const share = row.calls > 0 ? row.repeats / row.calls : 0;
  const parts = [`${formatCount(row.calls)} calls, ${formatPercent(share)} with arguments seen before, ${formatDuration(mean)} each`];
  if (row.unkeyable > 0) parts.push(`${formatCount(row.unkeyable)} with arguments that cannot be a cache key`);
  return parts.join('; ');
}

/** What may make caching it wrong or useless, as one line (empty when nothing). */
export function warnings(row: CandidateRow): string {
  const parts = (row.hints ?? []).map((h) => h.text);
  if (row.unkeyable > 0) parts.push(`${formatPercent(row.unkeyable / Math.max(1, row.calls))} of calls with arguments that cannot be a cache key`);
  return parts.join(', ');
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
      ['', 'why'],
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
    tr.title = why(row);
    const warn = warnings(row);
    if (row.hints?.length) tr.classList.add('impure-row');
    if (warn) {
      const span = document.createElement('span');
      span.className = row.hints?.length ? 'impure' : 'hint';
      span.textContent = row.hints?.length ? `⚠ may not be safe to cache: ${warn}` : warn;
      tr.cells[5]!.append(span);
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
