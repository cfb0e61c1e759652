"""The commands the editor sends (docs/protocol.md section 3.2), validated the way the server
validates what it receives (section 6): a frame that is not JSON, not an object, of another
version, of an unknown type or with a field that breaks its rule is ignored (said at debug level).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from .messages import MAX_STRING_CODE_POINTS

__all__ = ["Command", "parse_command"]

log = logging.getLogger("cachelens.reporter")


@dataclass(frozen=True)
class Command:
    """A valid command. `type`: `clear`, `delete-key`, `pause`, `resume` or `trace-request`;
    `request_id`, `id` and `key` as the type has them (None otherwise; `id` None in a `clear`
    means every function)."""

    type: str
    request_id: str | None = None
    id: str | None = None
    key: str | None = None


def _string(value: Any) -> bool:
    return isinstance(value, str) and len(value) <= MAX_STRING_CODE_POINTS


def _non_empty(value: Any) -> bool:
    return _string(value) and len(value) > 0


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_command(frame: Any) -> Command | None:
    """The command in a text frame, or None when it fails validation (binary frames included)."""
    if not isinstance(frame, str):
        log.debug("ignored a binary frame from the editor")
        return None
    try:
        # JSON has no NaN or Infinity (JavaScript's parser refuses them; so does this one).
        message = json.loads(frame, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        log.debug("ignored a frame from the editor that is not JSON")
        return None
    if not isinstance(message, dict):
        log.debug("ignored a frame from the editor that is not an object")
        return None
    version = message.get("v")
    if isinstance(version, bool) or not isinstance(version, (int, float)) or version != 1:
        log.debug("ignored a message of version %r", version)
        return None
    kind = message.get("type")
    if kind in ("pause", "resume"):
        return Command(kind)
    if kind not in ("clear", "delete-key", "trace-request"):
        log.debug("ignored a message of unknown type %r", kind)
        return None
    request_id = message.get("requestId")
    fid = message.get("id")
    problem = None
    if not _non_empty(request_id):
        problem = "requestId"
    elif kind == "clear":
        if "id" in message and not _non_empty(fid):
            problem = "id"
    elif not _non_empty(fid):
        problem = "id"
    elif kind == "delete-key" and not _string(message.get("key")):
        problem = "key"
    if problem is not None:
        log.debug("ignored a %s command with an invalid %s", kind, problem)
        return None
    return Command(kind, request_id, fid, message.get("key") if kind == "delete-key" else None)
