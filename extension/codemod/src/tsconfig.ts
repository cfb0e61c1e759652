import { ts } from 'ts-morph';

/** What a tsconfig says about decorators (JSONC: comments and trailing commas are fine). */
export interface TsconfigDecorators {
  /** `compilerOptions.experimentalDecorators` when the file sets it. */
  readonly experimentalDecorators: boolean | undefined;
  /** The `extends` entries, in order (to follow when `experimentalDecorators` is not set here). */
  readonly extends: readonly string[];
}

export function parseTsconfigDecorators(tsconfigText: string): TsconfigDecorators {
  const { config } = ts.parseConfigFileTextToJson('tsconfig.json', tsconfigText) as { config?: unknown };
  const root = (typeof config === 'object' && config !== null ? config : {}) as { compilerOptions?: unknown; extends?: unknown };
  const options = (typeof root.compilerOptions === 'object' && root.compilerOptions !== null ? root.compilerOptions : {}) as {
    experimentalDecorators?: unknown;
  };
  const ext = root.extends;
  return {
    experimentalDecorators: typeof options.experimentalDecorators === 'boolean' ? options.experimentalDecorators : undefined,
    extends: typeof ext === 'string' ? [ext] : Array.isArray(ext) ? ext.filter((e): e is string => typeof e === 'string') : [],
  };
}

/**
 * The decorator flavour a tsconfig selects: `legacy` when `compilerOptions.experimentalDecorators`
 * is true, `standard` otherwise (TypeScript >= 5). Does not follow `extends`: use
 * `parseTsconfigDecorators` for that. When the project's TypeScript is older than 5, standard
 * decorators do not compile: pass `none` to the codemod instead.
 */
export function readDecoratorFlavour(tsconfigText: string): 'standard' | 'legacy' {
  return parseTsconfigDecorators(tsconfigText).experimentalDecorators === true ? 'legacy' : 'standard';
}
