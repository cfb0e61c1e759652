import type { CliIo, Subcommand } from './index.js';

/**
 * `cachelens cache` / `cachelens uncache`: the editor's codemods from a terminal. They live in the
 * separate package @cachelens/codemod (it brings ts-morph, which an app that only caches should
 * not have to install), loaded by name on first use.
 */
interface CodemodCli {
  main(argv: string[], io: { stdout: (text: string) => void; stderr: (text: string) => void }): Promise<number>;
  USAGE: string;
}

function loadCodemodCli(io: CliIo): CodemodCli | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('@cachelens/codemod/cli') as CodemodCli;
  } catch {
    io.stderr(
      'cachelens: the cache and uncache commands come with the codemod package, which is not installed here.\n' +
        'Install it next to cachelens: npm install --save-dev @cachelens/codemod\n',
    );
    return undefined;
  }
}

function codemodCommand(name: 'cache' | 'uncache', summary: string): Subcommand {
  return {
    summary,
    usage: `cachelens ${name} FILE:LINE[:COL] ... (run it to see every option; needs @cachelens/codemod)`,
    async run(args, io) {
      const cli = loadCodemodCli(io);
      if (!cli) return 1;
      return cli.main([name, ...args], { stdout: io.stdout, stderr: io.stderr });
    },
  };
}

export const cache = codemodCommand('cache', 'cache the function at FILE:LINE (same codemod as the editor; --dry-run prints a diff)');
export const uncache = codemodCommand('uncache', 'remove caching from the function at FILE:LINE, restoring its original form');
