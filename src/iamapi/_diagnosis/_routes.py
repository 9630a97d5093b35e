"""Analyses of answers about what was called: no such route or method, a closed connection."""

from __future__ import annotations

import re
from typing import Any, Optional
from urllib.parse import unquote

from iamapi._diagnosis._facts import Facts
from iamapi._diagnosis._rule import Analysis

__all__ = [
    "analyze_gone",
    "analyze_missing_route",
    "analyze_no_method",
    "analyze_route",
    "route_details",
]


def route_details(f: Facts) -> dict[str, Any]:
    details: dict[str, Any] = {"path": f.resource_path if f.url else None, "stage": f.stage}
    if f.method:
        details["method"] = f.method
    return details


def analyze_missing_route(f: Facts, m: Optional[re.Match[str]]) -> Analysis:
    values: dict[str, str] = {}
    if f.host_kind == "custom_domain":
        values["where"] = (
            f"On a custom domain ({f.host}) the base-path mapping selects the stage, so the "
            "path must not repeat the stage name, and the base path must be mapped."
        )
    elif f.url and not f.stage and f.host_kind in ("execute_api", "private_api"):
        values["where"] = (
            f"The URL has no stage: REST API URLs are https://{f.host}/<stage>/<path>."
        )
    elif f.resource_path == "/":
        values["where"] = "The root path '/' needs a method of its own."
    elif f.resource_path.endswith("/"):
        values["where"] = "A trailing '/' makes it another path than the one without."
    else:
        values["where"] = ""
    return values, route_details(f)


def analyze_no_method(f: Facts, m: Optional[re.Match[str]]) -> Analysis:
    route = m.group("route") if m else f.resource_path
    verb = m.group("verb") if m else (f.method or "<METHOD>")
    details = route_details(f)
    details.update({"matched_route": route, "matched_method": verb})
    return {"matched": f"{verb} {route}"}, details


def analyze_route(f: Facts, m: Optional[re.Match[str]]) -> Analysis:
    """No values to add: only the route details."""
    return {}, route_details(f)


def analyze_gone(f: Facts, m: Optional[re.Match[str]]) -> Analysis:
    connection = unquote(f.path.rstrip("/").rsplit("/", 1)[-1]) if f.path else None
    shown = f" '{connection}'" if connection else ""
    return {"connection": shown}, {"connection_id": connection}
