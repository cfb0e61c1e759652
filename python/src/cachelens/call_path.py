"""The call path of a memoized function: a wrapper generated once per function, with the
function's own signature.

Why generated: the wrapper's parameters are the function's parameters (same names, kinds and
default objects), so Python's own argument binding does what `inspect.signature().bind()` plus
`apply_defaults()` would, at no cost: `f(1)`, `f(a=1)` and `f(1, b=2)` (`b=2` the default) arrive
as the same values. The hit path then looks the argument up as it is (several: their tuple) in
the in-memory store's dict, read directly: a str, an int, a float, bytes, or a tuple of those is
its own key (`keys.memory_key` maps them to themselves), so nothing is built. It checks the expiry
only when the function has a TTL (two variants of the code, one swapped in at the first call),
marks the entry used and counts the hit in a closure cell: no call into the store, no lock.
Everything else (a miss; an argument that is not its own key, such as a list, which fails or
misses there; an expired entry; a non-memory store; a method's per-instance store) goes to the
memo's `miss` function, which builds the real key and answers, or (a `def` whose call must compute)
says so: the wrapper then calls the function itself, so a recursion costs two frames a level.

Where the optional C module `cachelens._speedups` is built, a plain call of a function of one or
two positional parameters is answered by its `HitPath` first, in C, with the same rule (a
lookup of the arguments as they are, the same entries, the same expiry test); any other call goes
on to the generated wrapper. `CACHELENS_PURE_PYTHON=1` turns it off (the tests run both).

The hit counter is a closure cell: `hits += 1` is one read-add-write with no call in between, so
under CPython 3.11's global interpreter lock no thread switch can split it (checked by a test with
many threads).
"""

from __future__ import annotations

import inspect
import os
import time
from dataclasses import dataclass
from typing import Any, Callable, Hashable

__all__ = ["CallPath", "build_call_path"]


@dataclass(frozen=True)
class CallPath:
    """What `build_call_path` makes for one function."""

    wrapper: Callable[..., Any]
    """The function users call (sync or `async def` like the original)."""
    invoke: Callable[..., Any]
    """`invoke(values)` (or `invoke(instance, values)` for methods) calls the original function
    with the bound values."""
    add_hits: Callable[[int], None]
    read_hits: Callable[[], int]
    reset_hits: Callable[[], None]
    bind: Callable[[Any, Callable[[], float]], None]
    """`bind(entries, clock)`: the in-memory entries the hit path reads directly (a dict of
    `[value, expires_at, used, size]`) and the clock of `expires_at`; an empty dict: no direct hits."""
    use_ttl: Callable[[bool], None]
    """`use_ttl(True)`: every entry the hit path reads has an `expires_at` (the function has a TTL);
    `use_ttl(False)` (the start): none has. Called before `bind` gives it entries."""
    names: tuple[str, ...]
    """The names of the keyed parameters, in order (without the instance of a method)."""


def _argument(p: inspect.Parameter, expr: str) -> str:
    """How a call passes `expr` as the value of parameter `p` (positionally, unpacked, by keyword)."""
    if p.kind is inspect.Parameter.VAR_POSITIONAL:
        return f"*{expr}"
    if p.kind is inspect.Parameter.VAR_KEYWORD:
        return f"**{expr}"
    if p.kind is inspect.Parameter.KEYWORD_ONLY:
        return f"{p.name}={expr}"
    return expr


def _prefix(names: list[str]) -> str:
    prefix = "_cl_"
    n = 0
    while any(name.startswith(prefix) for name in names):
        n += 1
        prefix = f"_cl{n}_"
    return prefix


def build_call_path(
    fn: Callable[..., Any],
    *,
    is_async: bool,
    method: bool,
    miss: Callable[..., Any],
    memory_key: Callable[[tuple[Any, ...]], Hashable],
    instances: dict[int, tuple[Any, Any, Any]] | None = None,
    lead: type | None = None,
    finish: Callable[[Any, Any], Any] | None = None,
    fail: Callable[[Any, BaseException], None] | None = None,
) -> CallPath:
    """Generates the wrapper of `fn`.

    `miss(values)` (methods: `miss(instance, values)`) answers every call the hit path does not,
    with the bound values (the instance left out); for `async` functions it returns an awaitable.
    For a plain function it returns the value, or an instance of `lead` when this call must
    compute it: the wrapper then calls `fn` itself and hands `finish(lead, result)` what it
    returned (whose result the call returns) or `fail(lead, error)` what it raised. So a memoized
    function that calls itself costs two frames a level, `fn`'s and the wrapper's, as with
    `functools.lru_cache` (through `miss` and a compute callback it cost six: a recursion of 164
    levels overflowed where the plain function went to 997).
    `memory_key(values)` builds the in-process key of the calls the hit path cannot look up as
    they are (it raises `CacheKeyError`). `instances` (methods): the memo's map of
    id(instance) -> (weak reference, store, the store's entries or None), read by the hit path."""
    try:
        # the signature of `fn` itself, not of what it wraps: a decorator may add or take arguments
        params = list(inspect.signature(fn, follow_wrapped=False).parameters.values())
    except (TypeError, ValueError):  # no signature (some builtins): take anything
        params = [
            inspect.Parameter("args", inspect.Parameter.VAR_POSITIONAL),
            inspect.Parameter("kwargs", inspect.Parameter.VAR_KEYWORD),
        ]
    P = _prefix([p.name for p in params])
    env: dict[str, Any] = {
        f"{P}fn": fn,
        f"{P}miss": miss,
        f"{P}keyn": memory_key,
        f"{P}data": {},
        f"{P}now": None,
        f"{P}inst": instances if instances is not None else {},
    }
    inline = not is_async
    if inline:
        if lead is None or finish is None or fail is None:
            raise TypeError("build_call_path: a synchronous function needs lead, finish and fail")
        env.update({f"{P}Lead": lead, f"{P}finish": finish, f"{P}fail": fail, f"{P}type": type})

    sig: list[str] = []
    call: list[str] = []
    direct: list[str] = []  # the call of `fn` with the wrapper's own parameters
    values: list[str] = []
    seen_positional_only = False
    star_written = False
    for i, p in enumerate(params):
        default = ""
        if p.default is not inspect.Parameter.empty:
            env[f"{P}d{i}"] = p.default
            default = f"={P}d{i}"
        if p.kind is inspect.Parameter.POSITIONAL_ONLY:
            seen_positional_only = True
            sig.append(f"{p.name}{default}")
        else:
            if seen_positional_only:
                sig.append("/")
                seen_positional_only = False
            if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD:
                sig.append(f"{p.name}{default}")
            elif p.kind is inspect.Parameter.VAR_POSITIONAL:
                sig.append(f"*{p.name}")
                star_written = True
            elif p.kind is inspect.Parameter.KEYWORD_ONLY:
                if not star_written:
                    sig.append("*")
                    star_written = True
                sig.append(f"{p.name}{default}")
            else:
                sig.append(f"**{p.name}")
        direct.append(_argument(p, p.name))
        if method and i == 0:
            continue
        call.append(_argument(p, f"{P}v[{len(values)}]"))
        values.append(p.name)
    if seen_positional_only:
        sig.append("/")
    if method and not params:
        raise TypeError(f"{fn!r} takes no parameter for its instance")
    instance = params[0].name if method else ""

    values_expr = f"({', '.join(values)},)" if values else "()"
    plain = [
        p.name
        for p in (params[1:] if method else params)
        if p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    ]
    # The hit path looks the arguments up as they are: a str, an int, a float, or a tuple of
    # them is its own key (`keys.memory_key` maps them to themselves). Anything else misses
    # there (unhashable: TypeError; a list, a dataclass, NaN: not equal to its stored key) and
    # the miss path builds the real key, then finds the entry (a hit) or computes.
    if not values:
        key_expr = "()"
    elif len(values) == 1 and len(plain) == 1:
        key_expr = values[0]
    elif len(values) == len(plain):
        key_expr = f"({', '.join(values)},)"
    else:
        key_expr = f"{P}keyn({values_expr})"

    d = "async def" if is_async else "def"
    aw = "await " if is_async else ""
    name = getattr(fn, "__name__", "memoized")
    name = name if name.isidentifier() else "memoized"
    lines = [f"def {P}factory({', '.join(sorted(env))}):", f"    {P}hits = 0"]

    # Two hit paths with the same free variables: entries without expiry (the function has no
    # TTL) and entries with one. `use_ttl` swaps the wrapper's code once the TTL is known (at the
    # first call), so neither path tests which one it is. A method reads the entries of its
    # instance's store: `instances` maps id(instance) to (weak reference, store, entries or None).
    def miss_block(args: str) -> list[str]:
        """What every variant does when the hit path did not answer (at the wrapper's indent)."""
        if not inline:
            return [f"return {aw}{P}miss({args})"]
        return [
            f"{P}t = {P}miss({args})",
            f"if {P}type({P}t) is not {P}Lead:",
            f"    return {P}t",
            "try:",
            f"    {P}r = {P}fn({', '.join(direct)})",
            f"except BaseException as {P}x:",
            f"    {P}fail({P}t, {P}x)",
            "    raise",
            f"return {P}finish({P}t, {P}r)",
        ]

    def variant(fname: str, ttl: bool) -> list[str]:
        check = [f"if {P}now() < {P}e[1]:"] if ttl else ["if True:"]
        tail = [] if ttl else [f"        {P}now  # unreachable: keeps the same free variables as the TTL path"]
        hit = [f"    {P}e[2] = True", f"    {P}hits += 1", f"    return {P}e[0]"]
        if method:
            body = [
                f"{P}h = {P}inst[id({instance})]",
                f"if {P}h[0]() is {instance}:",
                f"    {P}e = {P}h[2][{key_expr}]",
                *(f"    {line}" for line in [*check, *hit]),
            ]
            return [
                f"    {d} {fname}({', '.join(sig)}):",
                f"        nonlocal {P}hits",
                "        try:",
                *(f"            {line}" for line in body),
                "        except Exception:",
                "            pass",
                *(f"        {line}" for line in miss_block(f"{instance}, {values_expr}")),
                *tail,
            ]
        return [
            f"    {d} {fname}({', '.join(sig)}):",
            f"        nonlocal {P}hits",
            "        try:",
            f"            {P}e = {P}data[{key_expr}]",
            "        except Exception:",
            "            pass",
            "        else:",
            *(f"            {line}" for line in [*check, *hit]),
            *(f"        {line}" for line in miss_block(values_expr)),
            *tail,
        ]

    invoke_args = [instance, *call] if method else call
    lines += [
        *variant(name, False),
        *variant(f"{P}with_ttl", True),
        f"    def {P}invoke({instance + ', ' if method else ''}{P}v):",
        f"        return {P}fn({', '.join(invoke_args)})",
    ]
    lines += [
        f"    def {P}add_hits(n):",
        f"        nonlocal {P}hits",
        f"        {P}hits += n",
        f"    def {P}read_hits():",
        f"        return {P}hits",
        f"    def {P}reset_hits():",
        f"        nonlocal {P}hits",
        f"        {P}hits = 0",
        f"    def {P}bind(data, now):",
        f"        nonlocal {P}data, {P}now",
        f"        {P}data = data",
        f"        {P}now = now",
        f"    return {name}, {P}with_ttl, {P}invoke, {P}add_hits, {P}read_hits, {P}reset_hits, {P}bind",
    ]
    source = "\n".join(lines) + "\n"
    namespace: dict[str, Any] = {}
    code = compile(source, f"<cachelens call path of {getattr(fn, '__qualname__', name)}>", "exec")
    exec(code, namespace)  # noqa: S102 - the source is built above from the signature's names only
    wrapper, with_ttl, invoke, add_hits, read_hits, reset_hits, bind = namespace[f"{P}factory"](**env)
    codes = (wrapper.__code__, with_ttl.__code__)
    if codes[0].co_freevars != codes[1].co_freevars:  # never expected; then no TTL fast path at all
        raise AssertionError(f"cachelens: the two hit paths of {name} differ in free variables")

    def use_ttl(ttl: bool) -> None:
        wrapper.__code__ = codes[1] if ttl else codes[0]

    positional = all(
        p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD) for p in params
    )
    hit_path = _c_hit_path() if not method and not is_async and positional and len(params) in (1, 2) else None
    if hit_path is None:
        return CallPath(wrapper, invoke, add_hits, read_hits, reset_hits, bind, use_ttl, tuple(values))

    # The C hit path answers the plain positional calls; everything else reaches `wrapper`.
    front = hit_path(wrapper, len(params))
    ttl_state = [False]

    def read_all_hits() -> int:
        return read_hits() + front.hits

    def reset_all_hits() -> None:
        reset_hits()
        front.hits = 0

    def use_ttl_both(ttl: bool) -> None:
        ttl_state[0] = ttl
        use_ttl(ttl)

    def bind_both(data: Any, now: Callable[[], float]) -> None:
        bind(data, now)
        front.bind(data if isinstance(data, dict) else {}, None if now is _monotonic else now, ttl_state[0])

    return CallPath(front, invoke, add_hits, read_all_hits, reset_all_hits, bind_both, use_ttl_both, tuple(values))


_monotonic = time.monotonic


def _c_hit_path() -> Any:
    """`cachelens._speedups.HitPath` when the C module was built and `CACHELENS_PURE_PYTHON` is
    not set (to 1); else None."""
    if os.environ.get("CACHELENS_PURE_PYTHON") == "1":
        return None
    try:
        from ._speedups import HitPath
    except ImportError:
        return None
    return HitPath
