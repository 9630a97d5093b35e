"""Filling the cause and fix templates: the values the facts give, and tidying the result."""

from __future__ import annotations

from collections.abc import Mapping

from iamapi._diagnosis._answer import SPACES
from iamapi._diagnosis._facts import Facts
from iamapi._diagnosis._regex import Regex
from iamapi._diagnosis._target import KIND_NAMES

__all__ = ["fact_values", "fill", "numbered", "tidy"]

_FIELD = Regex(r"\{([a-z_]+)\}")
_SPACE_BEFORE_STOP = Regex(r"\s+([.,;])(?=\s|$)")


def fact_values(f: Facts) -> dict[str, str]:
    """The template values every rule may use, read from the facts."""
    method = f.method or ""
    if method and f.url:
        route = f"{method} {f.resource_path}"
    elif f.url:
        route = f"the path {f.resource_path}"
    else:
        route = "the path and verb you called"
    return {
        "status": str(f.status) if f.status is not None else "(unknown)",
        "route": route,
        "method": method or "<METHOD>",
        "path": f.resource_path if f.url else "<path>",
        "stage": f.stage or "<stage>",
        "in_stage": f"in stage '{f.stage}'" if f.stage else "in the stage you called",
        "api_id": f.api_id or "<api-id>",
        "region": f.api_region or "<region>",
        "request_id": f.request_id or "<request-id>",
        "kind_name": KIND_NAMES.get(f.kind or "", "API"),
    }


def fill(template: str, values: Mapping[str, str]) -> str:
    """Replace each ``{name}`` that has a value; leave the others as they are."""
    return _FIELD.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def tidy(text: str) -> str:
    """One line, no space before a stop, ending in a full stop."""
    text = SPACES.sub(" ", text).strip()
    text = _SPACE_BEFORE_STOP.sub(r"\1", text)
    if text and text[-1] not in ".!?":
        text += "."
    return text


def numbered(items: list[str]) -> str:
    """``(1) first; (2) second; ...``: likely causes, most likely first."""
    return "; ".join(f"({i}) {text}" for i, text in enumerate(items, 1))
