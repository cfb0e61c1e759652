import type { LineCharacter, Position, TextEdit } from './types.js';

/**
 * Applies non-overlapping edits (offsets into `text`) and returns the new text.
 * Throws a RangeError naming the edit when edits overlap or fall outside the text.
 */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  let out = '';
  let cursor = 0;
  for (const edit of sorted) {
    if (edit.start < cursor || edit.end < edit.start || edit.end > text.length) {
      throw new RangeError(
        `applyEdits: edit [${edit.start}, ${edit.end}) overlaps a previous edit or lies outside the text (length ${text.length}); pass non-overlapping edits computed on this text`,
      );
    }
    out += text.slice(cursor, edit.start) + edit.newText;
    cursor = edit.end;
  }
  return out + text.slice(cursor);
}

/** Sorts edits, drops no-op ones (empty range and empty text, or text unchanged). */
export function normalizeEdits(text: string, edits: readonly TextEdit[]): TextEdit[] {
  return edits
    .filter((e) => !(e.start === e.end && e.newText === '') && text.slice(e.start, e.end) !== e.newText)
    .sort((a, b) => a.start - b.start || a.end - b.end);
}

/** Offsets where each line starts (after `\n`; `\r\n` counts as one break). */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) === 10) starts.push(i + 1);
  }
  return starts;
}

/** Converts a position to an offset; returns undefined when the line is out of range. A character past the line's end is clamped to it. */
export function toOffset(text: string, position: Position): number | undefined {
  if (typeof position === 'number') {
    return position >= 0 && position <= text.length ? position : undefined;
  }
  const starts = lineStarts(text);
  const { line, character } = position;
  if (line < 0 || line >= starts.length || character < 0) return undefined;
  const lineStart = starts[line]!;
  let lineEnd = line + 1 < starts.length ? starts[line + 1]! - 1 : text.length;
  if (lineEnd > lineStart && text.charCodeAt(lineEnd - 1) === 13) lineEnd--;
  return Math.min(lineStart + character, lineEnd);
}

/** Index of the line holding `offset`, given the line starts of the text. */
export function lineIndexAt(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Converts an offset to a zero-based line/character. */
export function toLineCharacter(text: string, offset: number): LineCharacter {
  const starts = lineStarts(text);
  const line = lineIndexAt(starts, offset);
  return { line, character: offset - starts[line]! };
}
