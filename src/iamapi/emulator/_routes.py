"""Routes: method + path template -> handler, matched the way API Gateway matches resources.

Templates are ``/pets``, ``/pets/{id}`` (one path segment) and
``/files/{path+}`` (greedy: one or more segments, last position only); the
method is an HTTP verb or ``ANY``. When several routes match, the most
specific wins, segment by segment (a literal beats ``{name}``, which beats
``{name+}``), then an exact verb beats ``ANY``. A resource without the
request's verb falls through to a greedy sibling that has it, as on API
Gateway; ``/{proxy+}`` does not match the root ``/``.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Callable, Optional, Union
from urllib.parse import parse_qsl, unquote

__all__ = [
    "Handler",
    "HandlerResult",
    "Request",
    "Route",
    "RouteTable",
    "echo",
    "normalize_result",
    "parse_params",
    "path_segments",
]

_LITERAL, _PARAM, _GREEDY = 0, 1, 2
_CREDENTIAL_HEADERS = frozenset({"authorization", "x-amz-security-token"})
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "ANY"})

HeadersLike = Union[Mapping[str, str], Iterable[tuple[str, str]]]
BodyLike = Union[bytes, str, None, Mapping[str, Any], list[Any]]
HandlerResult = tuple[int, HeadersLike, BodyLike]


@dataclass(frozen=True)
class Request:
    """A verified request as a route handler sees it.

    ``path`` is the raw path as sent (stage included, percent-encoding kept);
    ``resource_path`` the raw path after the stage; ``path_params`` the decoded
    template parameters; ``query`` the raw query string and ``params`` its
    decoded values by name; ``headers`` every header line as sent, in order;
    ``caller_arn`` the ARN of the verified principal.
    """

    method: str
    path: str
    resource_path: str
    path_params: Mapping[str, str]
    query: str
    params: Mapping[str, tuple[str, ...]]
    headers: tuple[tuple[str, str], ...]
    body: bytes
    caller_arn: Optional[str]
    stage: Optional[str] = None

    def header(self, name: str, default: Optional[str] = None) -> Optional[str]:
        """The header's value (any case); repeated headers joined with ``,``."""
        key = name.lower()
        values = [value for hname, value in self.headers if hname.lower() == key]
        return ",".join(values) if values else default

    def json(self) -> Any:
        """The body decoded as JSON."""
        return json.loads(self.body)


Handler = Callable[[Request], HandlerResult]


def _parse_template(template: str) -> tuple[tuple[int, str], ...]:
    if not template.startswith("/"):
        raise ValueError(f"route template must start with '/', got {template!r}")
    parts = [part for part in template.strip("/").split("/") if part != ""]
    segments: list[tuple[int, str]] = []
    for index, part in enumerate(parts):
        if part.startswith("{") and part.endswith("}"):
            name = part[1:-1]
            kind = _PARAM
            if name.endswith("+"):
                name, kind = name[:-1], _GREEDY
                if index != len(parts) - 1:
                    raise ValueError(f"a greedy parameter must come last: {template!r}")
            if not name or not name.replace("_", "").replace("-", "").isalnum():
                raise ValueError(f"bad parameter name in route template {template!r}")
            segments.append((kind, name))
        elif "{" in part or "}" in part:
            raise ValueError(f"braces must wrap a whole segment: {template!r}")
        else:
            segments.append((_LITERAL, part))
    return tuple(segments)


class Route:
    """One configured route. ``calls`` counts how many times its handler ran."""

    def __init__(self, method: str, template: str, handler: Handler) -> None:
        method = method.upper()
        if method not in _METHODS:
            raise ValueError(f"unsupported route method {method!r}")
        self.method = method
        self.template = template
        self.handler = handler
        self._segments = _parse_template(template)
        self._calls = 0
        self._lock = threading.Lock()

    @property
    def calls(self) -> int:
        """How many times the handler ran (also under injected timeouts and resets)."""
        return self._calls

    def _count(self) -> None:
        with self._lock:
            self._calls += 1

    def _reset(self) -> None:
        with self._lock:
            self._calls = 0

    def __repr__(self) -> str:
        return f"Route({self.method!r}, {self.template!r}, calls={self._calls})"

    @property
    def shape(self) -> tuple[tuple[int, str], ...]:
        """The template with parameter names blanked: two routes of one shape clash."""
        return tuple((kind, name if kind == _LITERAL else "") for kind, name in self._segments)

    @property
    def specificity(self) -> tuple[tuple[int, ...], bool]:
        return tuple(kind for kind, _ in self._segments), self.method == "ANY"

    def match(self, method: str, segments: list[str]) -> Optional[dict[str, str]]:
        """Path parameters when this route serves ``method`` on ``segments``, else ``None``."""
        if self.method not in (method, "ANY"):
            return None
        params: dict[str, str] = {}
        for index, (kind, name) in enumerate(self._segments):
            if kind == _GREEDY:
                rest = segments[index:]
                if not rest:
                    return None
                params[name] = "/".join(rest)
                return params
            if index >= len(segments):
                return None
            if kind == _LITERAL:
                if segments[index] != name:
                    return None
            else:
                params[name] = segments[index]
        return params if len(segments) == len(self._segments) else None


class RouteTable:
    """The gateway's routes; thread-safe to add to while serving."""

    def __init__(self) -> None:
        self._routes: list[Route] = []
        self._lock = threading.Lock()

    def add(self, route: Route) -> Route:
        with self._lock:
            for existing in self._routes:
                if existing.method == route.method and existing.shape == route.shape:
                    raise ValueError(
                        f"route {route.method} {route.template} clashes with "
                        f"{existing.method} {existing.template}"
                    )
            self._routes.append(route)
        return route

    @property
    def routes(self) -> tuple[Route, ...]:
        with self._lock:
            return tuple(self._routes)

    def match(self, method: str, resource_path: str) -> Optional[tuple[Route, dict[str, str]]]:
        segments = path_segments(resource_path)
        best: Optional[tuple[Route, dict[str, str]]] = None
        for route in self.routes:
            params = route.match(method, segments)
            if params is not None and (best is None or route.specificity < best[0].specificity):
                best = (route, params)
        return best


def path_segments(resource_path: str) -> list[str]:
    """The decoded, non-empty segments of a raw path."""
    return [unquote(part) for part in resource_path.strip("/").split("/") if part != ""]


def normalize_result(result: Any) -> tuple[int, list[tuple[str, str]], bytes]:
    """Check a handler's ``(status, headers, body)`` and turn it into wire parts.

    ``body`` may be ``bytes``, ``str`` (sent as UTF-8), ``None``, or a dict or
    list (sent as JSON, with ``Content-Type: application/json`` unless set).
    """
    if not isinstance(result, tuple) or len(result) != 3:
        raise TypeError(f"a route must return (status, headers, body), got {type(result).__name__}")
    status, headers, body = result
    if not isinstance(status, int) or not 100 <= status <= 599:
        raise TypeError(f"bad status from route: {status!r}")
    pairs = list(headers.items()) if isinstance(headers, Mapping) else list(headers or ())
    for pair in pairs:
        if (
            not isinstance(pair, tuple)
            or len(pair) != 2
            or not all(isinstance(part, str) for part in pair)
            or any(c in part for part in pair for c in "\r\n")
        ):
            raise TypeError(f"bad header from route: {pair!r}")
    if isinstance(body, (Mapping, list)):
        if not any(name.lower() == "content-type" for name, _ in pairs):
            pairs.append(("Content-Type", "application/json"))
        body = json.dumps(body).encode("utf-8")
    elif isinstance(body, str):
        body = body.encode("utf-8")
    elif body is None:
        body = b""
    elif not isinstance(body, bytes):
        raise TypeError(f"bad body from route: {type(body).__name__}")
    skip = {"content-length", "transfer-encoding", "connection"}
    return status, [(n, v) for n, v in pairs if n.lower() not in skip], body


def echo(request: Request) -> tuple[int, dict[str, str], bytes]:
    """Describe ``request`` as JSON: what arrived, minus the credentials.

    Keys: ``method``, ``path`` (raw, stage included), ``resource_path``,
    ``query`` (raw), ``params`` (decoded, name -> list of values),
    ``path_params``, ``headers`` (lower-case name -> value, repeats joined
    with ``,``, without ``authorization`` and ``x-amz-security-token``),
    ``body_sha256``, ``body_length`` and ``caller_arn``.
    """
    headers: dict[str, str] = {}
    for name, value in request.headers:
        key = name.lower()
        if key in _CREDENTIAL_HEADERS:
            continue
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    document = {
        "method": request.method,
        "path": request.path,
        "resource_path": request.resource_path,
        "query": request.query,
        "params": {name: list(values) for name, values in request.params.items()},
        "path_params": dict(request.path_params),
        "headers": headers,
        "body_sha256": hashlib.sha256(request.body).hexdigest(),
        "body_length": len(request.body),
        "caller_arn": request.caller_arn,
    }
    body = json.dumps(document, separators=(",", ":")).encode("utf-8")
    return 200, {"Content-Type": "application/json"}, body


def parse_params(query: str) -> dict[str, tuple[str, ...]]:
    """Decoded query values by name, for handlers (not for signing)."""
    values: dict[str, list[str]] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        values.setdefault(name, []).append(value)
    return {name: tuple(items) for name, items in values.items()}
