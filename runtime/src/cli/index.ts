import { POLICY_NAMES } from '../policy/index.js';
import { cache, uncache } from './codemod.js';
import { TraceError, UsageError } from '../simulate/errors.js';
import { parsePolicies, parseSizes, simulateTrace } from '../simulate/simulate.js';
import { TRACE_FORMATS } from '../simulate/trace.js';
import type { TraceFormat } from '../simulate/trace.js';

/** Where a subcommand writes; injectable so tests capture output without spawning. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** A subcommand: parses its own arguments, returns the process exit code. */
export interface Subcommand {
  summary: string;
  usage: string;
  run(args: readonly string[], io: CliIo): Promise<number>;
}

/** Exit codes: 0 ok, 1 failure while running (e.g. an unreadable trace), 2 usage error. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Parses `--name value` / `--name=value` / `--flag` arguments against a list of known options. */
export function parseOptions(args: readonly string[], valued: readonly string[], flags: readonly string[]): Map<string, string> {
  const options = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new UsageError(`unexpected argument ${JSON.stringify(arg)}; options start with --.`);
    const name = match[1]!;
    if (flags.includes(name)) {
      if (match[2] !== undefined) throw new UsageError(`--${name} takes no value.`);
      options.set(name, 'true');
    } else if (valued.includes(name)) {
      const value = match[2] ?? args[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value.`);
      options.set(name, value);
    } else {
      throw new UsageError(`unknown option --${name}; known: ${[...valued, ...flags].map((o) => `--${o}`).join(', ')}.`);
    }
  }
  return options;
}

const simulate: Subcommand = {
  summary: 'replay an access trace through eviction policies and print hit ratios',
  usage: [
    'cachelens simulate --trace FILE [--format lirs|lines|i32be|i64be] [--sizes 100,1000,10%]',
    '                   [--policies default,lru,...] [--json]',
    '',
    '  --trace FILE   the trace: plain, gzip or xz (detected from the content)',
    '  --format       lirs (default): an integer a line, "*" lines skipped; lines: a string key a line;',
    '                 i32be / i64be: 32/64-bit big-endian signed integers',
    '  --sizes        capacities in entries, or percentages of the distinct keys (default 1%,10%,50%)',
    `  --policies     default (= adaptive) and/or ${POLICY_NAMES.join(', ')} (default: default,lru)`,
    '  --json         print JSON instead of the TSV table',
    '',
    'Prints a TSV table "policy size accesses hits hit_ratio" once the whole trace was read. A bad or',
    'truncated trace prints an error with the byte offset and no table, and exits with status 1.',
  ].join('\n'),
  async run(args, io) {
    const options = parseOptions(args, ['trace', 'format', 'sizes', 'policies'], ['json']);
    const trace = options.get('trace');
    if (trace === undefined) throw new UsageError('--trace FILE is required.');
    const format = options.get('format') ?? 'lirs';
    if (!(TRACE_FORMATS as readonly string[]).includes(format)) {
      throw new UsageError(`--format: unknown format ${JSON.stringify(format)}; use one of ${TRACE_FORMATS.join(', ')}.`);
    }
    const sizes = parseSizes(options.get('sizes') ?? '1%,10%,50%');
    const policies = parsePolicies(options.get('policies') ?? 'default,lru');
    const result = await simulateTrace(trace, format as TraceFormat, sizes, policies);
    if (options.has('json')) {
      io.stdout(`${JSON.stringify({ trace, format, accesses: result.accesses, distinctKeys: result.distinctKeys, rows: result.rows }, null, 2)}\n`);
    } else {
      const lines = ['policy\tsize\taccesses\thits\thit_ratio'];
      for (const row of result.rows) lines.push(`${row.policy}\t${row.size}\t${row.accesses}\t${row.hits}\t${row.hitRatio.toFixed(6)}`);
      io.stdout(`${lines.join('\n')}\n`);
    }
    return EXIT_OK;
  },
};

/**
 * The subcommands by name. Others (e.g. the codemod's `cache` / `uncache`) are added by putting
 * an entry here.
 */
export const SUBCOMMANDS: Record<string, Subcommand> = { simulate, cache, uncache };

function help(): string {
  const names = Object.entries(SUBCOMMANDS).map(([name, command]) => `  ${name.padEnd(10)} ${command.summary}`);
  return ['usage: cachelens <command> [options]', '', 'commands:', ...names, '', 'cachelens <command> --help shows the options of one command.'].join('\n');
}

/** Runs the CLI with `argv` (without node and the script); returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(`${help()}\n`);
    return name === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const command = SUBCOMMANDS[name];
  if (command === undefined) {
    io.stderr(`cachelens: unknown command ${JSON.stringify(name)}.\n${help()}\n`);
    return EXIT_USAGE;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(`${command.usage}\n`);
    return EXIT_OK;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`cachelens ${name}: ${error.message}\n\n${command.usage}\n`);
      return EXIT_USAGE;
    }
    if (error instanceof TraceError) {
      io.stderr(`cachelens ${name}: error ${error.code}: ${error.message}\nNo results: the trace was not read to its end.\n`);
      return EXIT_FAILURE;
    }
    throw error;
  }
}
