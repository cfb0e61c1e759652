/**
 * Keeps an inline source map true after observe mode inserted text: every mapped column that the
 * insertions pushed right moves by as much (lines never move: no line break is inserted). Only
 * the generated columns change; the other fields of a segment are deltas that stay the same.
 */
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGIT = new Map([...B64].map((c, i) => [c, i]));

/** Inserted text: before the character at 0-based `line`, `column` of the original, `length` UTF-16 units. */
export interface Shift {
  line: number;
  column: number;
  length: number;
}

/** `mappings` (a source map's field) with every generated column moved by the shifts before it on its line. */
export function shiftMappings(mappings: string, shifts: readonly Shift[]): string {
  const byLine = new Map<number, Shift[]>();
  for (const s of shifts) {
    const list = byLine.get(s.line) ?? [];
    list.push(s);
    byLine.set(s.line, list);
  }
  return mappings.split(';').map((line, index) => {
    const here = byLine.get(index);
    if (!here || line === '') return line;
    let column = 0;
    let shiftedPrevious = 0;
    return line.split(',').map((segment) => {
      if (segment === '') return segment;
      const fields = decode(segment);
      column += fields[0]!;
      let moved = column;
      for (const s of here) if (s.column <= column) moved += s.length;
      fields[0] = moved - shiftedPrevious;
      shiftedPrevious = moved;
      return fields.map(encode).join('');
    }).join(',');
  }).join(';');
}

function decode(segment: string): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (const c of segment) {
    const digit = DIGIT.get(c);
    if (digit === undefined) throw new Error(`not a base64 VLQ digit: ${c}`);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    out.push(value & 1 ? -(value >>> 1) : value >>> 1);
    value = 0;
    shift = 0;
  }
  return out;
}

function encode(n: number): string {
  let v = n < 0 ? (-n << 1) | 1 : n << 1;
  let out = '';
  do {
    let digit = v & 31;
    v >>>= 5;
    if (v > 0) digit |= 32;
    out += B64[digit];
  } while (v > 0);
  return out;
}
