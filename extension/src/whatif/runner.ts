/**
 * Runs what-if curves in a worker thread, started on the first request and ended when idle (or
 * disposed), so the simulator never runs on, nor stays loaded in, the extension host's thread.
 */
import { Worker } from 'node:worker_threads';
import type { WhatIfCurve } from '../../../protocol/panel.js';
import type { CurveJob } from './curve.js';

export interface CurveWorkerOptions {
  /** The worker script: `dist/extension/whatif-worker.js` in the extension (tests use a tsx bootstrap of the source). */
  script: string;
  /** Milliseconds without a request after which the worker is ended. Default 30,000. */
  idleMs?: number;
}

interface Pending {
  /** The worker the request was posted to: only its failure rejects the request. */
  worker: Worker;
  resolve: (curve: WhatIfCurve) => void;
  reject: (error: Error) => void;
}

export class CurveWorker {
  readonly #options: Required<CurveWorkerOptions>;
  readonly #pending = new Map<number, Pending>();
  #worker: Worker | undefined;
  #idle: ReturnType<typeof setTimeout> | undefined;
  #seq = 0;
  /** Workers started so far (one per busy period). */
  started = 0;

  constructor(options: CurveWorkerOptions) {
    this.#options = { idleMs: 30_000, ...options };
  }

  /** Whether a worker thread exists right now. */
  get running(): boolean {
    return this.#worker !== undefined;
  }

  /** Computes one curve in the worker (starting it if needed). Rejects if the worker fails or exits. */
  compute(job: CurveJob): Promise<WhatIfCurve> {
    if (this.#idle) clearTimeout(this.#idle);
    this.#idle = undefined;
    const worker = this.#worker ?? this.#start();
    const seq = ++this.#seq;
    return new Promise<WhatIfCurve>((resolve, reject) => {
      this.#pending.set(seq, { worker, resolve, reject });
      worker.postMessage({ seq, job });
    });
  }

  #start(): Worker {
    const worker = new Worker(this.#options.script);
    this.started++;
    worker.on('message', (message: { seq: number; ok: boolean; curve?: WhatIfCurve; error?: string }) => {
      const pending = this.#pending.get(message.seq);
      if (!pending) return;
      this.#pending.delete(message.seq);
      if (message.ok && message.curve) pending.resolve(message.curve);
      else pending.reject(new Error(message.error ?? 'the what-if worker failed'));
      this.#armIdle();
    });
    // An ended worker's 'exit' can arrive after a new worker took a request: it fails only the
    // requests it was given, never the new worker's.
    const fail = (error: Error) => {
      if (this.#worker === worker) this.#worker = undefined;
      for (const [seq, p] of this.#pending) {
        if (p.worker !== worker) continue;
        this.#pending.delete(seq);
        p.reject(error);
      }
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the what-if worker exited (code ${code})`)));
    worker.unref(); // never keeps the host process alive
    this.#worker = worker;
    return worker;
  }

  #armIdle(): void {
    if (this.#pending.size > 0) return;
    if (this.#idle) clearTimeout(this.#idle);
    this.#idle = setTimeout(() => this.dispose(), this.#options.idleMs);
    this.#idle.unref();
  }

  /** Ends the worker (a later request starts a new one); pending requests reject. */
  dispose(): void {
    if (this.#idle) clearTimeout(this.#idle);
    this.#idle = undefined;
    const worker = this.#worker;
    this.#worker = undefined;
    if (worker) void worker.terminate();
  }
}
