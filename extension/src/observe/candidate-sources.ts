/**
 * Where each candidate is in the workspace's sources (a built file mapped back through its source
 * map) and its purity hints, found in the background once per reported location and kept: the
 * ranking is rebuilt several times a second, the lookups are not. Pure (no vscode): the caller
 * supplies the lookups.
 */
import type { CandidateRow } from '../../../protocol/panel.js';
import type { PurityHint } from '../../codemod/src/purity.js';

/** Rows whose source and hints are looked up (the top of the ranking). */
export const ANALYZED_ROWS = 50;

export interface CandidateLookups {
  /** The source position of a reported location, or undefined when it is not in the workspace. */
  locate(file: string, line: number): Promise<{ file: string; line: number } | undefined>;
  read(file: string): Promise<string | undefined>;
  /** The codemod's purity hints (ts-morph loads on the first call). */
  hints(text: string, file: string, line: number): Promise<PurityHint[] | undefined>;
}

type Found = { source?: { file: string; line: number }; hints?: CandidateRow['hints'] };

export class CandidateSources {
  readonly #found = new Map<string, Found | 'pending'>();

  constructor(private readonly lookups: CandidateLookups, private readonly changed: () => void, private readonly log: (line: string) => void = () => {}) {}

  /** `rows` with what is known of their sources; starts the lookups of the top rows not looked up yet. */
  decorate(rows: readonly CandidateRow[]): CandidateRow[] {
    return rows.map((row, index) => {
      const key = `${row.file}:${row.line}`;
      const found = this.#found.get(key);
      if (found === undefined && index < ANALYZED_ROWS) {
        this.#found.set(key, 'pending');
        void this.#lookUp(row.file, row.line).then((result) => {
          this.#found.set(key, result);
          this.changed();
        });
      }
      return found && found !== 'pending' ? { ...row, ...found } : row;
    });
  }

  /** The source position of a reported location (looked up now if it was not yet). */
  async source(file: string, line: number): Promise<{ file: string; line: number } | undefined> {
    const found = this.#found.get(`${file}:${line}`);
    if (found && found !== 'pending' && found.source) return found.source;
    return this.lookups.locate(file, line);
  }

  /** Forgets what was found (files changed: a new observe run). */
  clear(): void {
    this.#found.clear();
  }

  async #lookUp(file: string, line: number): Promise<Found> {
    try {
      const source = await this.lookups.locate(file, line);
      if (!source) return {};
      const text = await this.lookups.read(source.file);
      const hints = text === undefined ? undefined : await this.lookups.hints(text, source.file, source.line);
      return { source, ...(hints ? { hints: hints.map(({ kind, text: what }) => ({ kind, text: what })) } : {}) };
    } catch (error) {
      this.log(`[observe] could not analyze ${file}:${line}: ${error instanceof Error ? error.message : String(error)}`);
      return {};
    }
  }
}
