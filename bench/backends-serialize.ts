// Serialization formats for the remote and disk stores, measured side by side in one run:
// JSON (with a tagged replacer/reviver so Date/Map/Set/BigInt survive), v8.serialize, msgpackr.
// Used by bench/backends.bench.ts (section "Serialization").
import v8 from 'node:v8';
import { Packr } from 'msgpackr';
import { createCodec } from './runtime-dist.js';
const codec = createCodec();

function sample(n: number): unknown {
  const rows = [];
  for (let i = 0; i < n; i++) rows.push({ id: i, name: `item-${i}`, price: i * 1.25, tags: ['a', 'b'], active: i % 2 === 0 });
  return { total: n, fetchedAt: new Date(1_700_000_000_000), rows };
}

const replacer = function (this: Record<string, unknown>, k: string, v: unknown): unknown {
  const raw = this[k];
  if (raw instanceof Date) return { $d: raw.getTime() };
  if (raw instanceof Map) return { $m: [...raw] };
  if (raw instanceof Set) return { $s: [...raw] };
  if (typeof raw === 'bigint') return { $b: raw.toString() };
  return v;
};
const reviver = (_k: string, v: unknown): unknown => {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    if ('$d' in o) return new Date(o.$d as number);
    if ('$m' in o) return new Map(o.$m as [unknown, unknown][]);
    if ('$s' in o) return new Set(o.$s as unknown[]);
    if ('$b' in o) return BigInt(o.$b as string);
  }
  return v;
};
const packr = new Packr({ structuredClone: true, moreTypes: true, useRecords: false });

const formats: Record<string, { enc(v: unknown): Buffer | string; dec(b: Buffer | string): unknown }> = {
  'JSON+reviver': { enc: (v) => JSON.stringify(v, replacer), dec: (b) => JSON.parse(b as string, reviver) },
  'v8.serialize': { enc: (v) => v8.serialize(v), dec: (b) => v8.deserialize(b as Buffer) },
  msgpackr: { enc: (v) => packr.pack(v), dec: (b) => packr.unpack(b as Buffer) },
  'cachelens codec (v8 + class check)': { enc: (v) => { const r = codec.encode(v, 'bench'); if (r instanceof Error) throw r; return r; }, dec: (b) => codec.decode(b as Buffer) },
};

/** Markdown lines: encode+decode cost and size per format, for a ~1 KB and a ~100 KB value. */
export function serializationTables(): string[] {
  const out: string[] = [];
  for (const [label, n] of [['~1 KB', 12], ['~100 KB', 1200]] as const) {
    const value = sample(n);
    out.push(`\n${label} value (${JSON.stringify(value).length} bytes of JSON)`);
    out.push('| format | encode+decode µs | relative to JSON | size bytes |');
    out.push('|---|---:|---:|---:|');
    let base = 0;
    for (const [name, f] of Object.entries(formats)) {
      const iters = n > 100 ? 300 : 20_000;
      for (let i = 0; i < iters / 10; i++) f.dec(f.enc(value));
      const t0 = process.hrtime.bigint();
      let size = 0;
      for (let i = 0; i < iters; i++) { const b = f.enc(value); size = b.length; f.dec(b); }
      const us = Number(process.hrtime.bigint() - t0) / 1000 / iters;
      if (!base) base = us;
      out.push(`| ${name} | ${us.toFixed(1)} | ${(us / base).toFixed(2)}× | ${size} |`);
    }
  }
  return out;
}
