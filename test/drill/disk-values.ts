/** The values of the disk drills: one per key, of varied sizes, each checkable on its own. */
export const DISK_KEYS = 300;

export interface DiskValue { n: number; text: string; sum: number }

export function diskValue(n: number): DiskValue {
  const text = String.fromCharCode(97 + (n % 26)).repeat(40 + ((n * 37) % 900));
  return { n, text, sum: n * 31 + text.length };
}
