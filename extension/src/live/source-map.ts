/**
 * From a built file's line back to the source line it was compiled from, through the source map
 * next to it (Source Map v3: `//# sourceMappingURL=` in the built file, a file or a `data:` URL,
 * else `<file>.map`). A process reports where `memoize` was called as it ran: for an app built by
 * tsc or a bundler, that is `dist/prices.js:14`, and the panel's link must open `src/prices.ts`.
 * Pure (no vscode): the caller supplies how files are read, and tests run it under plain Node.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Reads a file as text; undefined when it cannot be read. */
export type ReadText = (file: string) => Promise<string | undefined>;

/** A source position: an absolute path and a 1-based line. */
export interface SourcePosition {
  file: string;
  line: number;
}

/** The URL the last `//# sourceMappingURL=` (or `//@`) comment of `code` names, if any. */
export function sourceMappingUrl(code: string): string | undefined {
  let found: string | undefined;
  for (const match of code.matchAll(/\/\/[#@][ \t]+sourceMappingURL=[ \t]*([^\s'"]+)[ \t]*$/gm)) found = match[1];
  return found;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]));

/**
 * The segments of one generated line (0-based `line`) of a `mappings` string: each
 * `[generatedColumn, sourceIndex, sourceLine, sourceColumn]` (0-based), only those that have a
 * source. Source fields are relative across the whole string, so every line before is decoded
 * too (and nothing after). Throws on text that is not Base64 VLQ.
 */
export function segmentsOfLine(mappings: string, line: number): [number, number, number, number][] {
  const found: [number, number, number, number][] = [];
  // Running values: generated column restarts on each line; the others run through the string.
  let column = 0;
  let source = 0;
  let sourceLine = 0;
  let sourceColumn = 0;
  let current = 0;
  let fields: number[] = [];
  let value = 0;
  let shift = 0;
  const endSegment = () => {
    if (shift !== 0) throw new Error('a mapping ends in the middle of a number');
    if (fields.length === 0) return;
    column += fields[0]!;
    if (fields.length >= 4) {
      source += fields[1]!;
      sourceLine += fields[2]!;
      sourceColumn += fields[3]!;
      if (current === line) found.push([column, source, sourceLine, sourceColumn]);
    } else if (fields.length !== 1) {
      throw new Error(`a mapping segment has ${fields.length} fields (1, 4 or 5 expected)`);
    }
    fields = [];
  };
  for (const c of mappings) {
    if (c === ',' || c === ';') {
      endSegment();
      if (c === ';') {
        if (current === line) return found;
        current++;
        column = 0;
      }
      continue;
    }
    const digit = DIGIT.get(c);
    if (digit === undefined) throw new Error(`"${c}" is not a Base64 VLQ digit`);
    value += (digit & 31) * 2 ** shift;
    shift += 5;
    if (digit & 32) continue;
    // The lowest bit of the whole number is its sign.
    fields.push(value % 2 === 1 ? -Math.floor(value / 2) : value / 2);
    value = 0;
    shift = 0;
  }
  endSegment();
  return found;
}

interface RawSourceMap {
  version: number;
  sources: (string | null)[];
  sourceRoot?: string;
  mappings: string;
}

function parseMap(text: string): RawSourceMap | undefined {
  let map: unknown;
  try {
    map = JSON.parse(text.replace(/^\)\]\}'[^\n]*\n/, '')); // the optional XSSI prefix the spec allows
  } catch {
    return undefined;
  }
  if (typeof map !== 'object' || map === null) return undefined;
  const m = map as Partial<RawSourceMap>;
  // An index map ("sections") is left out: tsc and the usual bundlers write plain maps next to a file.
  if (m.version !== 3 || !Array.isArray(m.sources) || typeof m.mappings !== 'string') return undefined;
  return m as RawSourceMap;
}

/** A `data:` URL's text (base64 or percent-encoded), or undefined when it is not one. */
function dataUrlText(url: string): string | undefined {
  const match = /^data:[^,]*?(;base64)?,(.*)$/s.exec(url);
  if (!match) return undefined;
  try {
    return match[1] ? Buffer.from(match[2]!, 'base64').toString('utf8') : decodeURIComponent(match[2]!);
  } catch {
    return undefined;
  }
}

/** A map's reference (relative path, absolute path or file: URL) as a path; undefined for other schemes. */
function resolveReference(from: string, reference: string): string | undefined {
  if (reference.startsWith('file:')) {
    try {
      return fileURLToPath(reference);
    } catch {
      return undefined;
    }
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(reference) && !/^[a-z]:[\\/]/i.test(reference)) return undefined; // webpack://, http:, …
  let decoded = reference;
  try {
    decoded = decodeURIComponent(reference);
  } catch {
    // not percent-encoded: use it as written
  }
  return path.resolve(from, decoded);
}

/**
 * Where line `line` (1-based) of the built file `file` (an absolute path) came from, by its source
 * map: the source of the first mapped segment of that line. Undefined when the file has no
 * readable map, the map is malformed, or the line maps to nothing.
 */
export async function mapToSource(file: string, line: number, read: ReadText): Promise<SourcePosition | undefined> {
  const code = await read(file);
  if (code === undefined) return undefined;
  const url = sourceMappingUrl(code);
  let mapText: string | undefined;
  let mapFile = `${file}.map`;
  if (url?.startsWith('data:')) {
    mapText = dataUrlText(url);
  } else {
    const referenced = url === undefined ? mapFile : resolveReference(path.dirname(file), url);
    if (referenced === undefined) return undefined;
    mapFile = referenced;
    mapText = await read(mapFile);
  }
  const map = mapText === undefined ? undefined : parseMap(mapText);
  if (!map || !Number.isSafeInteger(line) || line < 1) return undefined;
  let segments: [number, number, number, number][];
  try {
    segments = segmentsOfLine(map.mappings, line - 1);
  } catch {
    return undefined;
  }
  const first = segments.sort((a, b) => a[0] - b[0])[0];
  const source = first === undefined ? undefined : map.sources[first[1]];
  if (!first || typeof source !== 'string') return undefined;
  // Sources are relative to sourceRoot, which is relative to the map's own folder.
  const root = map.sourceRoot ? resolveReference(path.dirname(mapFile), map.sourceRoot.endsWith('/') ? map.sourceRoot : `${map.sourceRoot}/`) : path.dirname(mapFile);
  const resolved = root === undefined ? undefined : resolveReference(root, source);
  return resolved === undefined ? undefined : { file: resolved, line: first[2] + 1 };
}
