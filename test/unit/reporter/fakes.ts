/** A fake clock and a scripted socket for driving the reporter deterministically. */
import type { ReporterClock, ReporterSocket } from '../../../runtime/src/reporter/index.js';
import type { ReportedFunction, ReportedSnapshot, ReporterSource } from '../../../runtime/src/reporter/index.js';

export class FakeClock implements ReporterClock {
  time = 1_000_000;
  #timers = new Map<number, { at: number; fn: () => void }>();
  #next = 1;
  now(): number {
    return this.time;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#timers.set(id, { at: this.time + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }
  get pending(): number[] {
    return [...this.#timers.values()].map((t) => t.at - this.time).sort((a, b) => a - b);
  }
  /** Runs every timer due within `ms`, in order, advancing the time to each. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = [...this.#timers].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.#timers.delete(due[0]);
      this.time = due[1].at;
      due[1].fn();
    }
    this.time = end;
  }
}

export class FakeSocket implements ReporterSocket {
  readyState = 0;
  bufferedAmount = 0;
  readonly sent: Record<string, unknown>[] = [];
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: unknown) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  constructor(readonly url: string) {}
  send(data: string): void {
    if (this.readyState !== 1) throw new Error('not open');
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }
  close(): void {
    this.fail();
  }
  terminated = 0;
  terminate(): void {
    this.terminated++;
    this.fail();
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  fail(): void {
    this.readyState = 3;
    this.onclose?.({});
  }
  receive(message: unknown): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  ofType(type: string): Record<string, unknown>[] {
    return this.sent.filter((m) => m.type === type);
  }
}

/** A registry of functions whose counters the test sets directly. */
export class TestRegistry implements ReporterSource {
  readonly fns = new Map<string, ReportedFunction & { snap: ReportedSnapshot; cleared: number }>();
  add(id: string): ReportedSnapshot {
    const snap: ReportedSnapshot = { hits: 0, misses: 0, errors: 0, evictions: { size: 0, expired: 0, explicit: 0 }, entries: 0, bytes: 0, computeMs: 0, savedMs: 0, staleServed: 0, backendErrors: 0 };
    const fn = {
      id, backend: 'memory', backendType: 'memory', options: { ttl: '5m' }, location: { file: 'src/a.ts', line: 1 }, snap, cleared: 0,
      stats: () => ({ ...snap, evictions: { ...snap.evictions } }),
      health: () => 'ok' as const,
      clear: async () => {
        fn.cleared++;
      },
    };
    this.fns.set(id, fn);
    return snap;
  }
  list(): ReportedFunction[] {
    return [...this.fns.values()];
  }
  get(id: string): ReportedFunction | undefined {
    return this.fns.get(id);
  }
}

/** A reporter's `socketFactory` that makes a `FakeSocket` per connection and keeps them in `sockets` (oldest first). */
export function fakeSockets(sockets: FakeSocket[]): (url: string) => FakeSocket {
  return (url) => {
    const s = new FakeSocket(url);
    sockets.push(s);
    return s;
  };
}
