/**
 * The WAI-ARIA grid pattern for a table of the panel: the table is one Tab stop (a roving
 * tabindex: exactly one cell, or the one button in it, has tabindex 0; every other -1), the arrow
 * keys move between cells and rows (header row included), Home/End to the row's ends, Ctrl+Home/End
 * to the first/last row, PageUp/PageDown by ten rows; Enter and Space on a button press it (its
 * own behaviour), on a body cell without one they activate the row (`onActivate`). Cells hidden by
 * the layout (narrow widths) are skipped. The position is remembered by row key and column key, so
 * it survives re-sorting and the panel's four updates a second.
 */

/** Rows moved per PageUp/PageDown. */
const PAGE_ROWS = 10;
/** The header row's key. */
const HEAD = '';

export class GridKeys {
  /** Where the Tab stop is: a row's key (HEAD for the header row) and a column's key. */
  #at: { row: string; col: string } | undefined;
  /** The element that has tabindex 0 now. */
  #stop: HTMLElement | undefined;

  /**
   * `table`: its cells carry `data-col`, its body rows the attribute `rowKey` (rows without it,
   * such as a row's detail, are not part of the grid). Call `sync()` after every render.
   */
  constructor(
    private readonly table: HTMLTableElement,
    private readonly rowKey: string,
    private readonly onActivate: (row: HTMLTableRowElement) => void = () => undefined,
  ) {
    table.setAttribute('role', 'grid');
    table.addEventListener('keydown', (event) => this.#key(event));
    // A click (or a screen reader) that focuses a cell moves the Tab stop there.
    table.addEventListener('focusin', (event) => {
      const cell = (event.target as HTMLElement).closest<HTMLTableCellElement>('th, td');
      if (cell && this.#rows().includes(cell.parentElement as HTMLTableRowElement)) this.#moveTo(cell, false);
    });
  }

  /** After a render: exactly one Tab stop, on the remembered cell (or the nearest one that still exists). */
  sync(): void {
    const cell = this.#find();
    const target = cell && this.#target(cell);
    if (target === this.#stop && target?.tabIndex === 0) return;
    if (this.#stop) this.#stop.tabIndex = -1;
    this.#stop = target;
    if (target) target.tabIndex = 0;
  }

  /** The grid's rows: the header row, then the body rows that carry a key. */
  #rows(): HTMLTableRowElement[] {
    const head = this.table.tHead?.rows[0];
    const body = Array.from(this.table.tBodies[0]?.rows ?? []).filter((r) => r.hasAttribute(this.rowKey));
    return head ? [head, ...body] : body;
  }

  #keyOf(row: HTMLTableRowElement): string {
    return row.getAttribute(this.rowKey) ?? HEAD;
  }

  /** The row's cells a user can see. */
  #cells(row: HTMLTableRowElement): HTMLTableCellElement[] {
    return Array.from(row.cells).filter((c) => c.getClientRects().length > 0);
  }

  /** What takes focus for a cell: the one enabled button in it, else the cell. */
  #target(cell: HTMLTableCellElement): HTMLElement {
    return cell.querySelector<HTMLButtonElement>('button:not(:disabled)') ?? cell;
  }

  /** The remembered cell; else the same column of the first body row (or the header), else the row's first cell. */
  #find(): HTMLTableCellElement | undefined {
    const rows = this.#rows();
    const at = this.#at;
    const row = (at && rows.find((r) => this.#keyOf(r) === at.row)) ?? rows[1] ?? rows[0];
    if (!row) return undefined;
    const cells = this.#cells(row);
    return cells.find((c) => c.dataset.col === at?.col) ?? cells[0] ?? row.cells[0];
  }

  #moveTo(cell: HTMLTableCellElement, focus: boolean): void {
    this.#at = { row: this.#keyOf(cell.parentElement as HTMLTableRowElement), col: cell.dataset.col ?? '' };
    this.sync();
    if (focus) this.#target(cell).focus();
  }

  #key(event: KeyboardEvent): void {
    const cell = (event.target as HTMLElement).closest<HTMLTableCellElement>('th, td');
    const row = cell?.parentElement as HTMLTableRowElement | null;
    const rows = this.#rows();
    if (!cell || !row || !rows.includes(row)) return;
    const cells = this.#cells(row);
    const column = Math.max(0, cells.indexOf(cell));
    const inRow = (r: HTMLTableRowElement | undefined, prefer: 'same' | 'first' | 'last' = 'same'): HTMLTableCellElement | undefined => {
      if (!r) return undefined;
      const list = this.#cells(r);
      if (prefer === 'first') return list[0];
      if (prefer === 'last') return list[list.length - 1];
      return list.find((c) => c.dataset.col === cell.dataset.col) ?? list[Math.min(column, list.length - 1)];
    };
    const index = rows.indexOf(row);
    const at = (i: number) => rows[Math.max(0, Math.min(rows.length - 1, i))];
    let next: HTMLTableCellElement | undefined;
    switch (event.key) {
      case 'ArrowRight':
        next = cells[column + 1];
        break;
      case 'ArrowLeft':
        next = cells[column - 1];
        break;
      case 'ArrowDown':
        next = inRow(at(index + 1));
        break;
      case 'ArrowUp':
        next = inRow(at(index - 1));
        break;
      case 'PageDown':
        next = inRow(at(index + PAGE_ROWS));
        break;
      case 'PageUp':
        next = inRow(at(index - PAGE_ROWS));
        break;
      case 'Home':
        next = event.ctrlKey ? inRow(rows[0], 'first') : cells[0];
        break;
      case 'End':
        next = event.ctrlKey ? inRow(rows[rows.length - 1], 'last') : cells[cells.length - 1];
        break;
      case 'Enter':
      case ' ':
        // A button does its own thing; a body cell without one activates its row.
        if (event.target instanceof HTMLButtonElement || this.#keyOf(row) === HEAD) return;
        event.preventDefault();
        this.onActivate(row);
        return;
      default:
        return;
    }
    event.preventDefault();
    if (next) this.#moveTo(next, true);
  }
}
