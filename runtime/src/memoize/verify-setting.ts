/**
 * The `verify` setting: what a share of verified hits may be, and the process-wide default from
 * `CACHELENS_VERIFY` (a share from 0 to 1) and `CACHELENS_VERIFY_SHOW_VALUES` (`1`/`true`).
 * Read once per process; a value that cannot be read gives one warning and leaves verify off.
 */
import { warnOnce } from './warnings.js';

export const VERIFY_ENV = 'CACHELENS_VERIFY';
export const VERIFY_SHOW_VALUES_ENV = 'CACHELENS_VERIFY_SHOW_VALUES';

/** What is wrong with a share of hits to verify, or undefined. */
export function verifyShareProblem(value: unknown): string | undefined {
  if (typeof value === 'number' && value >= 0 && value <= 1) return undefined;
  return `must be a number from 0 to 1 (the share of hits whose function is run again and compared, e.g. 0.01), got ${
    typeof value === 'number' || typeof value === 'boolean' ? String(value) : typeof value}`;
}

export interface VerifyEnvironment {
  share: number;
  showValues: boolean;
}

let fromProcessEnv: VerifyEnvironment | undefined;

/** The process-wide verify setting from the environment (read once). */
export function verifyFromEnvironment(env: NodeJS.ProcessEnv = process.env): VerifyEnvironment {
  if (env === process.env && fromProcessEnv !== undefined) return fromProcessEnv;
  const raw = env[VERIFY_ENV]?.trim();
  let share = 0;
  if (raw !== undefined && raw !== '' && !/^(off|false)$/i.test(raw)) {
    const n = /^(on|true)$/i.test(raw) ? 1 : Number(raw);
    if (verifyShareProblem(n) === undefined && !Number.isNaN(n)) share = n;
    else {
      warnOnce('CACHELENS_VERIFY_OPTION', '', () => `cachelens: ${VERIFY_ENV}=${JSON.stringify(raw.slice(0, 40))} is not a share of hits from 0 to 1 ` +
        '(e.g. 0.01, or 1 for every hit); verify stays off. Fix the variable.');
    }
  }
  const show = env[VERIFY_SHOW_VALUES_ENV]?.trim();
  const result = { share, showValues: show !== undefined && /^(1|on|true)$/i.test(show) };
  if (env === process.env) fromProcessEnv = result;
  return result;
}

/** Forgets the environment read so far: for tests that change the variables. */
export function rereadVerifyEnvironment(): void {
  fromProcessEnv = undefined;
}
