/**
 * Methods and decorators: `@memoize(options)` for standard (TC39) and legacy decorators. A method
 * caches per instance on in-memory stores (one cell per instance, dying with it) and shares one
 * cell on remote stores; its default id names the declaring class, found lazily for standard
 * decorators (which are not told their class).
 */
import { OptionsError } from '../errors.js';
import { validateOptions, type MemoizeOptions } from '../options.js';
import type { Cell, Fn } from './cell.js';
import { Memo } from './memo.js';
import { copyShape, infoKeepAlive, owners, type Owner } from './owners.js';

/** A memoized method: its function, the cell of an instance, and the `this` of a static method. */
interface MemoizedMethod {
  readonly fn: Fn;
  readonly owner: Owner;
  setDefaultThis(self: unknown): void;
}

export function memoizeMethod(method: Fn, name: string, className: string | undefined, options: MemoizeOptions,
  location: { file: string; line: number } | undefined): MemoizedMethod {
  const qualified = className !== undefined ? `${className}.${name}` : name;
  const baseId = options.id ?? (location !== undefined ? `${location.file}#${qualified}` : qualified);
  const memo = new Memo(method, options, baseId, location);
  let defaultThis: unknown;
  const first = memo.newCell();
  let fn: Fn;
  let cellFor: (self: unknown) => Cell;
  if (!first.store.sync || memo.resolved === undefined) {
    // Remote stores are shared by every instance (and every process): the key is the arguments.
    memo.only = first;
    cellFor = () => first;
    fn = first.call;
  } else {
    // In-memory: one cell per instance, held by a WeakMap so that it dies with its instance.
    const byInstance = new WeakMap<object, Cell>();
    const live = new Set<WeakRef<Cell>>();
    const gone = new FinalizationRegistry<WeakRef<Cell>>((ref) => live.delete(ref));
    let unbound: Cell | undefined;
    cellFor = (self) => {
      if ((typeof self !== 'object' || self === null) && typeof self !== 'function') return (unbound ??= first);
      let cell = byInstance.get(self);
      if (cell === undefined) {
        cell = memo.newCell();
        byInstance.set(self, cell);
        const ref = new WeakRef(cell);
        live.add(ref);
        gone.register(cell, ref);
      }
      return cell;
    };
    memo.listCells = function* cells() {
      if (unbound !== undefined) yield unbound;
      for (const ref of live) {
        const cell = ref.deref();
        if (cell !== undefined) yield cell;
      }
    };
    fn = function memoizedMethod(this: unknown) {
      // eslint-disable-next-line prefer-rest-params
      return cellFor(this).call.apply(this, arguments as unknown as unknown[]);
    };
  }
  copyShape(fn, method);
  const owner: Owner = { memo, cellFor, defaultThis: () => defaultThis, isMethod: true };
  owners.set(fn, owner);
  infoKeepAlive.set(fn, memo.info);
  return { fn, owner, setDefaultThis: (self) => { defaultThis = self; } };
}

/**
 * The name of the class that declares `method` as `key`, seen from `self`: the class itself for a
 * static method, else the owner of the first prototype on `self`'s chain that holds `method` (so a
 * subclass instance still names the declaring class). Read through property descriptors, so no
 * getter runs. Private methods are on no prototype: then `self`'s own class.
 */
function declaringClassName(self: unknown, key: string | symbol, method: Fn, isStatic: boolean): string | undefined {
  const named = (c: unknown): string | undefined => (typeof c === 'function' && c.name ? c.name : undefined);
  if (isStatic) return named(self);
  if (self === null || (typeof self !== 'object' && typeof self !== 'function')) return undefined;
  for (let o: object | null = self; o !== null; o = Reflect.getPrototypeOf(o) as object | null) {
    if (Reflect.getOwnPropertyDescriptor(o, key)?.value === method) return named(Reflect.getOwnPropertyDescriptor(o, 'constructor')?.value);
  }
  return named((self as { constructor?: unknown }).constructor);
}

/**
 * A method under a standard (TC39) decorator. Such a decorator is not told its class, so the
 * memoized method is made on first use: when the class is defined (static methods), when the
 * first instance is constructed, or at the first call, whichever comes first; then its default id
 * is `file#Class.method` as with legacy decorators. Two classes of one file with a method of the
 * same name thus get two ids, and two namespaces in shared stores (Redis, Memcached, disk).
 */
function lazyStandardMethod(method: Fn, context: ClassMethodDecoratorContext, options: MemoizeOptions,
  location: { file: string; line: number } | undefined): Fn {
  const key = context.name;
  let made: MemoizedMethod | undefined;
  let cellFor: ((self: unknown) => Cell) | undefined; // made's, read on every call
  const make = (self: unknown): MemoizedMethod => {
    if (made === undefined) {
      made = memoizeMethod(method, String(key), declaringClassName(self, key, fn, context.static), options, location);
      cellFor = made.owner.cellFor;
      owners.set(fn, made.owner);
      infoKeepAlive.set(fn, made.owner.memo.info);
    }
    return made;
  };
  const fn = function memoizedMethod(this: unknown) {
    // eslint-disable-next-line prefer-rest-params
    return (cellFor ?? make(this).owner.cellFor)(this).call.apply(this, arguments as unknown as unknown[]);
  };
  copyShape(fn, method);
  // cacheOf() before anything made it (cacheOf(C.prototype.m) before any instance): no class known.
  owners.set(fn, {
    get memo() { return make(undefined).owner.memo; },
    cellFor: (self) => make(self).owner.cellFor(self),
    defaultThis: () => made?.owner.defaultThis(),
    isMethod: true,
  });
  context.addInitializer(function (this: unknown) {
    const m = made ?? make(this);
    if (context.static) m.setDefaultThis(this);
  });
  return fn;
}

/**
 * A method decorator, for both TypeScript's standard (TC39) decorators and legacy
 * `experimentalDecorators`; which one is calling is detected at run time.
 */
export interface MemoizeDecorator {
  /**
   * Standard decorators (TypeScript 5+ without `experimentalDecorators`). The method's own type
   * comes back unchanged, so generic and overloaded methods keep their signatures.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as in MemoizableFunction
  <This, M extends (this: This, ...args: any[]) => unknown>(method: M, context: ClassMethodDecoratorContext<This, M>): M;
  /** Legacy decorators (`experimentalDecorators: true`, e.g. NestJS). */
  <T>(target: object, propertyKey: string | symbol, descriptor: TypedPropertyDescriptor<T>): TypedPropertyDescriptor<T> | void;
}

export function isStandardContext(v: unknown): v is ClassMethodDecoratorContext {
  return v !== null && typeof v === 'object' && typeof (v as { kind?: unknown }).kind === 'string' && 'name' in v;
}

export function decorator(options: MemoizeOptions, location: { file: string; line: number } | undefined): MemoizeDecorator {
  validateOptions(options);
  return function memoizeDecorator(target: unknown, contextOrKey: unknown, descriptor?: PropertyDescriptor): unknown {
    if (isStandardContext(contextOrKey)) {
      if (contextOrKey.kind !== 'method' || typeof target !== 'function') {
        throw new OptionsError('@memoize', `decorates methods only, not a ${contextOrKey.kind} (${String(contextOrKey.name)}); ` +
          'for a getter or a field holding a function, use memoize(fn) on the function.');
      }
      return lazyStandardMethod(target as Fn, contextOrKey, options, location);
    }
    if (descriptor !== undefined && typeof descriptor.value === 'function' && (typeof contextOrKey === 'string' || typeof contextOrKey === 'symbol')) {
      const isStatic = typeof target === 'function';
      const owner = (isStatic ? target : (target as { constructor?: { name?: string } }).constructor) as { name?: string } | undefined;
      const { fn, setDefaultThis } = memoizeMethod(descriptor.value as Fn, String(contextOrKey), owner?.name || undefined, options, location);
      if (isStatic) setDefaultThis(target);
      descriptor.value = fn;
      return descriptor;
    }
    throw new OptionsError('@memoize', 'decorates methods only (with a function value); for other members use memoize(fn).');
  } as MemoizeDecorator;
}
