"""The call path of a memoized function: a wrapper generated once per function, with the
function's own signature.

Why generated: the wrapper's parameters are the function's parameters (same names, kinds and
default objects), so Python's own argument binding does what `inspect.signature().bind()` plus
`apply_defaults()` would, at no cost: `f(1)`, `f(a=1)` and `f(1, b=2)` (`b=2` the default) arrive
as the same values. The hit path then builds the key inline (a lone `str` or `int` is its own
key, two of them a pair), reads the in-memory store's dict directly, checks the expiry only when
the entry has one, marks the entry used and counts the hit in a closure cell: no arguments tuple,
no call into the store, no lock. Everything else (a miss, an expired entry, a non-memory store, a
method's per-instance store) goes to the memo's `miss` function.

The hit counter is a closure cell: `hits += 1` is one read-add-write with no call in between, so
under CPython 3.11's global interpreter lock no thread switch can split it (checked by a test with
many threads).
"""

from __future__ import annotations

import inspect
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
    names: tuple[str, ...]
    """The names of the keyed parameters, in order (without the instance of a method)."""


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
) -> CallPath:
    """Generates the wrapper of `fn`.

    `miss(values)` (methods: `miss(instance, values)`) answers every call the hit path does not,
    with the bound values (the instance left out); for `async` functions it returns an awaitable.
    `memory_key(values)` builds the in-process key of the calls the hit path cannot look up as
    they are (it raises `CacheKeyError`)."""
    try:
        params = list(inspect.signature(fn).parameters.values())
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
    }

    sig: list[str] = []
    call: list[str] = []
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
        if method and i == 0:
            continue
        j = len(values)
        values.append(p.name)
        if p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD):
            call.append(f"{P}v[{j}]")
        elif p.kind is inspect.Parameter.VAR_POSITIONAL:
            call.append(f"*{P}v[{j}]")
        elif p.kind is inspect.Parameter.KEYWORD_ONLY:
            call.append(f"{p.name}={P}v[{j}]")
        else:
            call.append(f"**{P}v[{j}]")
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
    if method:
        lines += [
            f"    {d} {name}({', '.join(sig)}):",
            f"        return {aw}{P}miss({instance}, {values_expr})",
            f"    def {P}invoke({instance}, {P}v):",
            f"        return {P}fn({', '.join([instance, *call])})",
        ]
    else:
        lines += [
            f"    {d} {name}({', '.join(sig)}):",
            f"        nonlocal {P}hits",
            f"        {P}k = {key_expr}",
            "        try:",
            f"            {P}e = {P}data[{P}k]",
            "        except Exception:",
            f"            return {aw}{P}miss({values_expr})",
            f"        {P}x = {P}e[1]",
            f"        if {P}x is None or {P}now() < {P}x:",
            f"            {P}e[2] = True",
            f"            {P}hits += 1",
            f"            return {P}e[0]",
            f"        return {aw}{P}miss({values_expr})",
            f"    def {P}invoke({P}v):",
            f"        return {P}fn({', '.join(call)})",
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
        f"    return {name}, {P}invoke, {P}add_hits, {P}read_hits, {P}reset_hits, {P}bind",
    ]
    source = "\n".join(lines) + "\n"
    namespace: dict[str, Any] = {}
    code = compile(source, f"<cachelens call path of {getattr(fn, '__qualname__', name)}>", "exec")
    exec(code, namespace)  # noqa: S102 - the source is built above from the signature's names only
    wrapper, invoke, add_hits, read_hits, reset_hits, bind = namespace[f"{P}factory"](**env)
    return CallPath(wrapper, invoke, add_hits, read_hits, reset_hits, bind, tuple(values))
