// Pinning benchmark processes to CPUs with taskset: the one place the benchmarks decide where they run.
//
// The two vCPUs of the machines here are not always alike: the same memory-bound loop (the default
// policy's insertion) ran 40-70% slower on one than on the other for minutes at a time (run on both
// at once, and on each in turn), then alike. A process the scheduler moves between them changes speed
// mid-run, and contenders in separate processes may each get a different one: measured side by
// side, they run on one CPU, so that their ratio is not partly the CPU each one got.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';

const TASKSET = '/usr/bin/taskset';

/** Whether processes can be pinned: two CPUs or more, taskset installed, and no `--no-pin` argument. */
export function canPin() {
  return !process.argv.includes('--no-pin') && os.cpus().length >= 2 && fs.existsSync(TASKSET);
}

/** The last CPU's number: where the benchmarks that compare contenders in one process run. */
export function lastCpu() {
  return os.cpus().length - 1;
}

/** Pins process `pid` and all its threads to CPU `cpu` (children it starts later inherit it). */
export function pin(pid, cpu) {
  execFileSync(TASKSET, ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
}

/**
 * Pins this process (and so every process it starts) to the last CPU when it can; returns the
 * sentence a report gives on where it ran.
 */
export function pinToOneCpu() {
  if (!canPin()) return 'Not pinned to a CPU (the scheduler placed the processes).';
  const cpu = lastCpu();
  pin(process.pid, cpu);
  return `Pinned with taskset to CPU ${cpu}: every contender, and every process started for one, ran on the same core (the two vCPUs here were once seen 40% apart at the same moment).`;
}
