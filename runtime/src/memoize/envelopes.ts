/**
 * Envelopes: how a stored value carries what is not the value itself. In-process stores hold
 * objects (`Thrown` for a kept error, `Timed` for a value with its stale time); remote stores hold
 * plain data under reserved field names, so any serializer can carry them. Kept apart from the
 * cells so that both kinds of cell, and anything reading a store, agree on one format.
 */

/** A thrown error kept by `cacheErrors` (in-process stores). */
export class Thrown {
  constructor(readonly error: unknown) {}
}

/** A value with the time it turns stale (`staleWhileRevalidate`, in-process stores). */
export class Timed {
  constructor(readonly value: unknown, readonly staleAt: number) {}
}

/** Envelopes for remote stores (plain data, so any serializer can carry them). */
export const VALUE_FIELD = 'cachelens:value';
export const ERROR_FIELD = 'cachelens:error';
export interface ValueEnvelope { 'cachelens:value': unknown; staleAt?: number }
export interface ErrorEnvelope { 'cachelens:error': { name: string; message: string; code?: unknown } }

/** The stored form of a thrown error (`cacheErrors` on remote stores); undefined when reading it throws. */
export function errorEnvelope(error: unknown): ErrorEnvelope | undefined {
  try {
    const e = error as { name?: unknown; message?: unknown; code?: unknown };
    return { [ERROR_FIELD]: { name: String(e?.name ?? 'Error'), message: String(e?.message ?? error), ...(e?.code !== undefined ? { code: e.code } : {}) } };
  } catch {
    return undefined;
  }
}
