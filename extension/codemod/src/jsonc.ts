import { ts } from 'ts-morph';
import { indentAt } from './parse.js';
import type { TextEdit } from './types.js';

/**
 * Minimal edits of JSON-with-comments files (tsconfig, cachelens.config.json, package.json) through
 * TypeScript's JSON parser: the text is never re-serialised, so comments, trailing commas, key order
 * and formatting stay as they are; only the inserted property is new text.
 */
export interface JsoncDocument {
  readonly text: string;
  readonly file: ts.JsonSourceFile;
  /** The top-level object, undefined when the text is not an object. */
  readonly root: ts.ObjectLiteralExpression | undefined;
  /** The first parse error, if any. */
  readonly error: string | undefined;
  readonly eol: '\n' | '\r\n';
  /** One level of indentation as the file writes it (default two spaces). */
  readonly unit: string;
}

export function parseJsonc(text: string, fileName = 'file.json'): JsoncDocument {
  const file = ts.parseJsonText(fileName, text);
  const diagnostics = (file as ts.JsonSourceFile & { parseDiagnostics?: readonly ts.Diagnostic[] }).parseDiagnostics ?? [];
  const first = diagnostics[0];
  const statement = file.statements[0];
  const expression = statement?.expression;
  const root = expression !== undefined && ts.isObjectLiteralExpression(expression) ? expression : undefined;
  const unit = /^([ \t]+)\S/m.exec(text)?.[1] ?? '  ';
  return {
    text,
    file,
    root,
    error: first ? ts.flattenDiagnosticMessageText(first.messageText, ' ') : root ? undefined : 'the top level is not an object',
    eol: text.includes('\r\n') ? '\r\n' : '\n',
    unit,
  };
}

function keyOf(property: ts.ObjectLiteralElementLike): string | undefined {
  if (!ts.isPropertyAssignment(property)) return undefined;
  const name = property.name;
  return ts.isStringLiteral(name) || ts.isIdentifier(name) || ts.isNumericLiteral(name) ? name.text : undefined;
}

export function getProperty(object: ts.ObjectLiteralExpression, key: string): ts.PropertyAssignment | undefined {
  return object.properties.find((p): p is ts.PropertyAssignment => keyOf(p) === key);
}

export function propertyKeys(object: ts.ObjectLiteralExpression): string[] {
  return object.properties.map(keyOf).filter((k): k is string => k !== undefined);
}

/** Value of a string property, or undefined. */
export function stringValue(object: ts.ObjectLiteralExpression, key: string): string | undefined {
  const value = getProperty(object, key)?.initializer;
  return value && ts.isStringLiteral(value) ? value.text : undefined;
}

/** `value` re-indented: its lines after the first get the indentation of the line it is inserted on. */
function reindent(value: string, indent: string, eol: string): string {
  return value.split('\n').join(`${eol}${indent}`);
}

/**
 * Inserts `"key": value` into `object`. `value` is JSON text; multi-line values use `\n` and are
 * indented relative to the new property. `before` names an existing key to insert in front of
 * (for sorted sections such as dependencies); default: after the last property.
 */
export function insertProperty(doc: JsoncDocument, object: ts.ObjectLiteralExpression, key: string, value: string, before?: string): TextEdit[] {
  const { text, eol, unit } = doc;
  const sf = doc.file;
  const properties = object.properties;
  const property = (indent: string): string => `${JSON.stringify(key)}: ${reindent(value, indent, eol)}`;
  if (properties.length === 0) {
    const outer = indentAt(text, object.getStart(sf));
    const inner = outer + unit;
    return [{ start: object.getStart(sf) + 1, end: object.end - 1, newText: `${eol}${inner}${property(inner)}${eol}${outer}` }];
  }
  const first = properties[0]!;
  const multiline = text.slice(object.getStart(sf), first.getStart(sf)).includes('\n');
  if (before !== undefined) {
    const anchor = getProperty(object, before);
    if (anchor) {
      const start = anchor.getStart(sf);
      const indent = indentAt(text, start);
      return [{ start, end: start, newText: `${property(indent)},${multiline ? eol + indent : ' '}` }];
    }
  }
  const last = properties[properties.length - 1]!;
  const indent = multiline ? indentAt(text, last.getStart(sf)) : '';
  const separator = multiline ? `${eol}${indent}` : ' ';
  const afterLast = /^\s*,/.exec(text.slice(last.end));
  const commaEnd = afterLast ? last.end + afterLast[0].length : last.end;
  // A comment after the last property on its line stays on that line: insert after it.
  const lineRest = multiline ? /^[ \t]*(\/\/[^\r\n]*|\/\*[^\r\n]*?\*\/[ \t]*)(?=\r?\n)/.exec(text.slice(commaEnd)) : null;
  const at = lineRest ? commaEnd + lineRest[0].length : commaEnd;
  const edits: TextEdit[] = [];
  if (!afterLast) edits.push({ start: last.end, end: last.end, newText: ',' });
  const newText = `${separator}${property(indent)}${afterLast ? ',' : ''}`;
  if (at === last.end) return [{ start: at, end: at, newText: `,${newText}` }];
  edits.push({ start: at, end: at, newText });
  return edits;
}
