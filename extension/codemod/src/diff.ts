import { applyEdits, lineIndexAt, lineStarts } from './edits.js';
import type { TextEdit } from './types.js';

/** Lines of `text` each with its line break (the last one may have none). */
function splitLines(text: string): string[] {
  return text === '' ? [] : text.split(/(?<=\n)/);
}

function show(prefix: string, line: string): string {
  return line.endsWith('\n') ? `${prefix}${line.slice(0, -1)}\n` : `${prefix}${line}\n\\ No newline at end of file\n`;
}

/**
 * A unified diff (`diff -u` format) of the change `edits` make to `oldText`. The hunks are
 * computed from the edits themselves (each changed line range is shown as removed then added),
 * so the output is exact and cheap for any file size. Returns '' when there is no change.
 */
export function unifiedDiff(oldText: string, edits: readonly TextEdit[], oldName: string, newName: string, context = 3): string {
  const sorted = [...edits].sort((a, b) => a.start - b.start);
  if (sorted.length === 0 || applyEdits(oldText, sorted) === oldText) return '';
  const starts = lineStarts(oldText);
  const lineCount = oldText === '' ? 0 : oldText.endsWith('\n') ? starts.length - 1 : starts.length;
  const lineOf = (offset: number): number => lineIndexAt(starts, offset);
  const lineStart = (line: number): number => (line < starts.length ? starts[line]! : oldText.length);

  // Group edits whose changed lines are close enough to share context.
  const groups: { first: number; last: number; edits: TextEdit[] }[] = [];
  for (const edit of sorted) {
    const first = lineOf(edit.start);
    const last = Math.max(first, lineOf(Math.max(edit.start, edit.end - 1)));
    const previous = groups[groups.length - 1];
    if (previous && first <= previous.last + 2 * context + 1) {
      previous.last = Math.max(previous.last, last);
      previous.edits.push(edit);
    } else {
      groups.push({ first, last, edits: [edit] });
    }
  }

  const oldLines = splitLines(oldText);
  let out = `--- ${oldName}\n+++ ${newName}\n`;
  let lineDelta = 0;
  for (const group of groups) {
    const regionStart = lineStart(group.first);
    const regionEnd = lineStart(group.last + 1);
    const removed = splitLines(oldText.slice(regionStart, regionEnd));
    const added = splitLines(applyEdits(oldText.slice(regionStart, regionEnd), group.edits.map((e) => ({ ...e, start: e.start - regionStart, end: e.end - regionStart }))));
    const before = oldLines.slice(Math.max(0, group.first - context), group.first);
    const after = oldLines.slice(group.first + removed.length, Math.min(lineCount, group.first + removed.length + context));
    const oldCount = before.length + removed.length + after.length;
    const newCount = before.length + added.length + after.length;
    const oldStart = group.first - before.length + 1;
    const newStart = oldStart + lineDelta;
    out += `@@ -${oldCount === 0 ? oldStart - 1 : oldStart},${oldCount} +${newCount === 0 ? newStart - 1 : newStart},${newCount} @@\n`;
    for (const line of before) out += show(' ', line);
    for (const line of removed) out += show('-', line);
    for (const line of added) out += show('+', line);
    for (const line of after) out += show(' ', line);
    lineDelta += added.length - removed.length;
  }
  return out;
}
