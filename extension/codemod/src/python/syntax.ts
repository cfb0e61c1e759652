/**
 * Whether a Python file is well formed, before anything is edited. tree-sitter marks what its
 * grammar cannot parse (ERROR and MISSING nodes), but it accepts what Python's tokenizer refuses
 * about indentation and Python 2 statements; those are checked here, with CPython's wording.
 */
import type { Node } from './grammar.js';

/** A syntax error: where, and what (`")" expected`, `unexpected indent`, ...). */
export interface SyntaxProblem {
  readonly offset: number;
  readonly what: string;
}

const CLAUSES = new Set(['elif_clause', 'else_clause', 'except_clause', 'except_group_clause', 'finally_clause']);

/** The indentation in front of `node` when it starts its line, else undefined. */
function indentation(text: string, node: Node): string | undefined {
  const lineStart = text.lastIndexOf('\n', node.startIndex - 1) + 1;
  const before = text.slice(lineStart, node.startIndex);
  return /^[ \t\f]*$/.test(before) ? before : undefined;
}

/** Columns of an indentation with tabs to multiples of 8 and of 1 (CPython compares both: a difference is a TabError). */
function columns(indent: string): readonly [number, number] {
  let col8 = 0;
  let col1 = 0;
  for (const c of indent) {
    if (c === '\f') {
      col8 = 0;
      col1 = 0;
    } else if (c === '\t') {
      col8 = (Math.floor(col8 / 8) + 1) * 8;
      col1++;
    } else {
      col8++;
      col1++;
    }
  }
  return [col8, col1];
}

const same = (a: readonly [number, number], b: readonly [number, number]): boolean => a[0] === b[0] && a[1] === b[1];
const deeper = (a: readonly [number, number], b: readonly [number, number]): boolean => a[0] > b[0] && a[1] > b[1];
const statementsOf = (node: Node): Node[] => node.namedChildren.filter((c): c is Node => c !== null && c.type !== 'comment');

function indentationProblem(root: Node, text: string): SyntaxProblem | undefined {
  for (const [i, statement] of statementsOf(root).entries()) {
    const indent = indentation(text, statement);
    if (indent !== undefined && columns(indent)[0] !== 0) {
      return { offset: statement.startIndex, what: i === 0 ? 'unexpected indent' : 'unindent does not match any outer indentation level' };
    }
  }
  for (const block of root.descendantsOfType('block')) {
    if (!block) continue;
    const owner = block.parent;
    const statements = statementsOf(block);
    if (statements.length === 0) {
      return { offset: owner?.startIndex ?? block.startIndex, what: `expected an indented block after ${owner?.type.replace(/_/g, ' ') ?? 'a colon'}` };
    }
    const firstIndent = indentation(text, statements[0]!);
    if (firstIndent === undefined) continue; // a body on the header's line: `def f(x): return x`
    const first = columns(firstIndent);
    const ownerIndent = owner ? indentation(text, owner) : undefined;
    if (ownerIndent !== undefined && !deeper(first, columns(ownerIndent))) {
      return { offset: statements[0]!.startIndex, what: `expected an indented block after ${owner!.type.replace(/_/g, ' ')}` };
    }
    for (const statement of statements.slice(1)) {
      const indent = indentation(text, statement);
      if (indent !== undefined && !same(columns(indent), first)) {
        const [col8] = columns(indent);
        const what =
          col8 === first[0] ? 'inconsistent use of tabs and spaces in indentation' : col8 > first[0] ? 'unexpected indent' : 'unindent does not match any outer indentation level';
        return { offset: statement.startIndex, what };
      }
    }
  }
  for (const clause of root.descendantsOfType([...CLAUSES])) {
    const statement = clause?.parent;
    if (!clause || !statement) continue;
    const indent = indentation(text, clause);
    const statementIndent = indentation(text, statement);
    if (indent !== undefined && statementIndent !== undefined && !same(columns(indent), columns(statementIndent))) {
      return { offset: clause.startIndex, what: 'unindent does not match any outer indentation level' };
    }
  }
  return undefined;
}

/** The first syntax error of the file, if any. */
export function syntaxProblem(root: Node, text: string): SyntaxProblem | undefined {
  if (root.hasError) {
    const stack: Node[] = [root];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (node.isError || node.isMissing) {
        const near = node.text.split(/\r?\n/)[0]!.trim().slice(0, 30);
        const what = node.isMissing ? `${JSON.stringify(node.type)} expected` : near !== '' ? `invalid syntax at ${JSON.stringify(near)}` : 'invalid syntax';
        return { offset: node.startIndex, what };
      }
      if (node.hasError) stack.push(...node.children.filter((c): c is Node => c !== null).reverse());
    }
    return { offset: 0, what: 'invalid syntax' };
  }
  const legacy = root.descendantsOfType(['print_statement', 'exec_statement'])[0];
  if (legacy) return { offset: legacy.startIndex, what: `a Python 2 ${legacy.type.replace('_', ' ')}` };
  return indentationProblem(root, text);
}
