import { CacheLensError } from '../errors.js';

/** Why a trace could not be read. */
export type TraceErrorCode =
  | 'CACHELENS_TRACE_OPEN'
  | 'CACHELENS_TRACE_DECOMPRESS'
  | 'CACHELENS_TRACE_FORMAT'
  | 'CACHELENS_TRACE_TRUNCATED';

/**
 * A trace file that could not be read to its end. `offset` is the byte offset where reading
 * failed: in the decompressed data for format errors, in the file itself for decompression
 * errors (`compressed` tells which).
 */
export class TraceError extends CacheLensError {
  override readonly code: TraceErrorCode;
  readonly path: string;
  readonly offset: number;
  readonly compressed: boolean;

  constructor(code: TraceErrorCode, path: string, offset: number, compressed: boolean, detail: string) {
    super(code, `${path}: ${detail}`);
    this.code = code;
    this.path = path;
    this.offset = offset;
    this.compressed = compressed;
  }
}

/** A command-line usage error (unknown option, bad value). Its message says what to type instead. */
export class UsageError extends CacheLensError {
  constructor(message: string) {
    super('CACHELENS_USAGE', message);
  }
}
