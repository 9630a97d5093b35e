"""The ``Gateway``: configuration, the order of checks, records and lifecycle.

Every request goes through these checks, in this order; the first that fails
answers (see ``docs/emulator.md`` for the reasons behind the order):

1. body size (413, plain text), read before anything else;
2. stage: REST ``403 Forbidden``, HTTP API ``404 Not Found``;
3. ``Authorization`` header syntax (or presigned query), when one is sent:
   ``IncompleteSignatureException`` texts;
4. route and method: REST ``403 Missing Authentication Token``, HTTP API
   ``404 Not Found``;
5. no signature at all: REST ``403 Missing Authentication Token``;
6. date format, then the five-minute window;
7. credential scope: region, service, terminator, date;
8. access key, session token, expiry;
9. signature;
10. resource policy;
11. API key;
12. throttle, then quota;
13. faults (latency, 5xx, timeout, reset), then the route's handler.
"""

from __future__ import annotations

import collections
import hmac
import logging
import re
import threading
import time
from collections.abc import Iterable, Mapping
from email.utils import formatdate
from types import TracebackType
from typing import Any, Optional, Union

from iamapi.emulator._config import (
    API_KINDS,
    ApiKind,
    Faults,
    Principal,
    Throttle,
    ThrottleSpec,
)
from iamapi.emulator._limits import FaultDice, Quota, TokenBucket
from iamapi.emulator._policy import ResourcePolicy
from iamapi.emulator._records import RequestRecord, Verdict
from iamapi.emulator._responses import (
    error_response,
    mismatch_message,
    payload_too_large,
    request_id_headers,
)
from iamapi.emulator._routes import (
    Handler,
    HandlerResult,
    Request,
    Route,
    RouteTable,
    echo,
    normalize_result,
    parse_params,
    path_segments,
)
from iamapi.emulator._server import BodyReader, LoopbackServer
from iamapi.emulator._verify import AuthFailure, Credentials, Verifier
from iamapi.emulator._wire import BodyTooLarge, RawRequest, Response

__all__ = ["DEMO_PRINCIPAL", "Gateway"]

_log = logging.getLogger("iamapi.emulator")

DEMO_PRINCIPAL = Principal(
    "AKIDEXAMPLE",
    "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",  # AWS's published example key
    arn="arn:aws:iam::123456789012:user/demo",
)

_DEFAULT_SERVICE = {"rest": "execute-api", "http": "execute-api", "lambda_url": "lambda"}
_API_ID = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
_REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d+\Z")
_STAGE = re.compile(r"[A-Za-z0-9_\-$.~]+\Z")

_PETS = [
    {"id": 1, "name": "Rex", "type": "dog"},
    {"id": 2, "name": "Tom", "type": "cat"},
]


class Gateway:
    """A local API Gateway (or Lambda function URL) that verifies SigV4 on loopback.

    ``with gateway:`` (or :meth:`start`) serves it on ``127.0.0.1`` (``port=0``
    picks a free port) from daemon threads; :attr:`url` is then the invoke
    URL. Without routes, every path under the stage is answered by an echo
    route. ``max_records`` bounds how many request records are kept (the
    newest; all of them by default). See ``docs/emulator.md``.
    """

    def __init__(
        self,
        *,
        region: str = "us-east-1",
        stage: str = "prod",
        kind: ApiKind = "rest",
        service: Optional[str] = None,
        principals: Iterable[Principal] = (),
        policy: Optional[Mapping[str, Any]] = None,
        clock_offset: float = 0.0,
        api_key: Optional[str] = None,
        throttle: Optional[ThrottleSpec] = None,
        quota: Optional[int] = None,
        payload_limit: int = 10 * 1024 * 1024,
        faults: Optional[Faults] = None,
        api_id: str = "emulator1",
        account_id: str = "123456789012",
        port: int = 0,
        max_records: Optional[int] = None,
    ) -> None:
        if kind not in API_KINDS:
            raise ValueError(f"kind must be one of {', '.join(API_KINDS)}, got {kind!r}")
        if not _REGION.match(region):
            raise ValueError(f"not a region name: {region!r}")
        if not _STAGE.match(stage):
            raise ValueError(f"not a stage name: {stage!r}")
        if not _API_ID.match(api_id):
            raise ValueError(f"api_id must be lower-case letters and digits, got {api_id!r}")
        if not re.fullmatch(r"\d{12}", account_id):
            raise ValueError(f"account_id must be 12 digits, got {account_id!r}")
        if kind != "rest" and (api_key is not None or quota is not None):
            raise ValueError(
                "api_key and quota are REST API features (usage plans); "
                f"{kind} APIs do not have them"
            )
        if payload_limit < 0:
            raise ValueError("payload_limit must not be negative")
        if faults is not None and not isinstance(faults, Faults):
            raise TypeError("faults must be a Faults instance")
        if not 0 <= port <= 65535:
            raise ValueError(f"bad port {port!r}")
        self.kind: ApiKind = kind
        self.region = region
        self.stage = stage
        self.service = service or _DEFAULT_SERVICE[kind]
        self.api_id = api_id
        self.account_id = account_id
        self.clock_offset = float(clock_offset)
        self.api_key = api_key
        self.payload_limit = payload_limit
        self.faults = faults
        self.throttle = Throttle.coerce(throttle) if throttle is not None else None
        self.quota = quota
        self._principals = tuple(principals)
        seen: set[str] = set()
        for principal in self._principals:
            if not isinstance(principal, Principal):
                raise TypeError(f"principals must be Principal objects, got {principal!r}")
            if principal.access_key in seen:
                raise ValueError(f"access key {principal.access_key!r} is listed twice")
            seen.add(principal.access_key)
        self._policy = ResourcePolicy(policy) if policy is not None else None
        self._verifier = Verifier(region=region, service=self.service, principals=self._principals)
        self._bucket = TokenBucket(self.throttle) if self.throttle is not None else None
        self._quota = Quota(quota) if quota is not None else None
        self._dice = FaultDice(faults) if faults is not None else None
        self._routes = RouteTable()
        self._echo = Route("ANY", "/{proxy+}", echo)
        # A long-running gateway (``iamapi emulator``) keeps only the newest records.
        self._records: collections.deque[RequestRecord] = collections.deque(maxlen=max_records)
        self._recorded = 0
        self._executions: collections.Counter[tuple[str, str]] = collections.Counter()
        self._state_lock = threading.Lock()
        self._lifecycle_lock = threading.Lock()
        self._stopping = threading.Event()
        self._requested_port = port
        self._server: Optional[LoopbackServer] = None
        self._date_cache: tuple[int, str] = (-1, "")

    # -- construction helpers --------------------------------------------------

    @classmethod
    def demo(cls, **options: Any) -> Gateway:
        """A gateway for demonstrations: :data:`DEMO_PRINCIPAL` and a small pet API.

        Routes: ``GET /pets``, ``GET /pets/{id}`` (404 from the backend for an
        unknown id) and ``POST /pets`` (201 with the posted JSON and an id).
        ``options`` are passed to the constructor (``port``, ``region``,
        ``stage``, ``kind``...).
        """
        options.setdefault("principals", [DEMO_PRINCIPAL])
        gateway = cls(**options)
        gateway.route("GET", "/pets", (200, {"Content-Type": "application/json"}, _PETS))
        gateway.route("GET", "/pets/{id}", _get_pet)
        gateway.route("POST", "/pets", _create_pet)
        return gateway

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Gateway:
        """Build a gateway from plain data, as loaded from a TOML or JSON file.

        Keys are the constructor's keyword names; ``principals`` is a list of
        dicts (``access_key``, ``secret_key``, ``session_token``, ``expires``,
        ``arn``), ``throttle`` a ``[rate, burst]`` pair or ``{rate, burst}``,
        ``faults`` a dict of :class:`Faults` fields, and ``routes`` a list of
        ``{method, path, status, headers, body | json}`` static answers (a
        route with neither ``body`` nor ``json`` echoes the request). Unknown
        keys are an error, so typos do not pass silently.
        """
        known = {
            "region", "stage", "kind", "service", "principals", "policy", "clock_offset",
            "api_key", "throttle", "quota", "payload_limit", "faults", "api_id",
            "account_id", "port", "routes", "max_records",
        }  # fmt: skip
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown gateway setting(s): {', '.join(unknown)}")
        options = {key: value for key, value in data.items() if key != "routes"}
        if "principals" in options:
            options["principals"] = [
                p if isinstance(p, Principal) else Principal.from_mapping(p)
                for p in options["principals"]
            ]
        if isinstance(options.get("faults"), Mapping):
            options["faults"] = Faults.from_mapping(options["faults"])
        gateway = cls(**options)
        for entry in data.get("routes", ()):
            gateway._route_from_mapping(entry)
        return gateway

    def _route_from_mapping(self, entry: Mapping[str, Any]) -> None:
        allowed = {"method", "path", "status", "headers", "body", "json"}
        unknown = sorted(set(entry) - allowed)
        if unknown:
            raise ValueError(f"unknown route setting(s): {', '.join(unknown)}")
        method, path = str(entry.get("method", "ANY")), str(entry["path"])
        if "body" not in entry and "json" not in entry:
            self.route(method, path, echo)
            return
        body = entry["json"] if "json" in entry else entry["body"]
        self.route(
            method, path, (int(entry.get("status", 200)), dict(entry.get("headers", {})), body)
        )

    # -- configuration -----------------------------------------------------------

    @property
    def principals(self) -> tuple[Principal, ...]:
        """The known callers, in the order given."""
        return self._principals

    @property
    def policy(self) -> Optional[Mapping[str, Any]]:
        """The resource policy document, or ``None`` (every known principal allowed)."""
        return self._policy.document if self._policy is not None else None

    def route(self, method: str, template: str, handler: Union[Handler, HandlerResult]) -> Route:
        """Serve ``method`` (or ``ANY``) on ``template`` with ``handler``.

        ``handler`` is a callable taking a :class:`Request` and returning
        ``(status, headers, body)``, or such a tuple to answer the same every
        time. Returns the :class:`Route`, whose ``calls`` counts executions.
        """
        if callable(handler):
            function: Handler = handler
        else:
            normalize_result(handler)  # fail now, not on the first request
            static = handler

            def function(request: Request) -> HandlerResult:
                return static

        return self._routes.add(Route(method, template, function))

    @property
    def routes(self) -> tuple[Route, ...]:
        return self._routes.routes

    def resource_arn(self, method: str, path: str) -> str:
        """The ARN a policy is evaluated against for ``method`` on ``path`` (after the stage)."""
        if self.kind == "lambda_url":
            return f"arn:aws:lambda:{self.region}:{self.account_id}:function:{self.api_id}"
        return (
            f"arn:aws:execute-api:{self.region}:{self.account_id}:{self.api_id}/"
            f"{self.stage}/{method.upper()}/{path.lstrip('/')}"
        )

    @property
    def action(self) -> str:
        """The IAM action policies are evaluated for."""
        return "lambda:InvokeFunctionUrl" if self.kind == "lambda_url" else "execute-api:Invoke"

    # -- clock -------------------------------------------------------------------

    def now(self) -> float:
        """The gateway's clock: ``time.time() + clock_offset``."""
        return time.time() + self.clock_offset

    def _date_header(self) -> str:
        second = int(self.now())
        cached = self._date_cache
        if cached[0] != second:
            cached = self._date_cache = (second, formatdate(second, usegmt=True))
        return cached[1]

    # -- lifecycle ---------------------------------------------------------------

    def start(self) -> Gateway:
        """Start serving on ``127.0.0.1``; returns the gateway."""
        with self._lifecycle_lock:
            if self._server is not None:
                raise RuntimeError("the gateway is already running")
            server = LoopbackServer(
                self._handle,
                port=self._requested_port,
                stopping=self._stopping,
                date_header=self._date_header,
            )
            server.start()
            self._server = server
        return self

    def stop(self) -> None:
        """Stop serving: close every connection and join every thread. Idempotent."""
        with self._lifecycle_lock:
            server, self._server = self._server, None
        if server is not None:
            server.stop()

    def __enter__(self) -> Gateway:
        return self.start()

    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def port(self) -> int:
        server = self._server
        if server is None:
            raise RuntimeError("the gateway is not running; use 'with gateway:' or start()")
        return server.port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The invoke URL: ``http://127.0.0.1:PORT/{stage}`` (no stage for function URLs)."""
        if self.kind == "lambda_url" or (self.kind == "http" and self.stage == "$default"):
            return self.base_url
        return f"{self.base_url}/{self.stage}"

    def __repr__(self) -> str:
        where = self.url if self.running else "not running"
        return (
            f"Gateway(kind={self.kind!r}, region={self.region!r}, stage={self.stage!r}, "
            f"{where}, principals={len(self._principals)}, routes={len(self.routes)})"
        )

    # -- records -----------------------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        """A snapshot of every request received so far, oldest first."""
        with self._state_lock:
            return list(self._records)

    def requests_since(self, count: int) -> tuple[list[RequestRecord], int]:
        """The records after the first ``count`` ever made, and the new total to pass next.

        With ``max_records`` set, records that were dropped are skipped.
        """
        with self._state_lock:
            total = self._recorded
            new = min(total - count, len(self._records))
            return (list(self._records)[-new:] if new > 0 else []), total

    def executions(self, method: str, path: str) -> int:
        """How many times a handler ran for ``method`` on ``path`` (raw, after the stage)."""
        with self._state_lock:
            return self._executions[(method.upper(), path)]

    def reset(self) -> None:
        """Forget records and execution counts; refill the throttle, quota and fault dice."""
        with self._state_lock:
            self._records.clear()
            self._executions.clear()
        for route in (*self.routes, self._echo):
            route._reset()
        for limit in (self._bucket, self._quota, self._dice):
            if limit is not None:
                limit.reset()

    # -- the pipeline ------------------------------------------------------------

    def _resource_path(self, path: str) -> Optional[str]:
        if self.kind == "lambda_url" or (self.kind == "http" and self.stage == "$default"):
            return path or "/"
        prefix = f"/{self.stage}"
        if path == prefix:
            return "/"
        if path.startswith(prefix + "/"):
            return path[len(prefix) :]
        return None

    def _handle(self, raw: RawRequest, read_body: BodyReader) -> Response:
        started = self.now()
        answer = _Answer(self, raw, started)
        try:
            read_body(self.payload_limit)
        except BodyTooLarge:
            return answer.plain("payload_too_large", payload_too_large(self.payload_limit))

        resource = self._resource_path(raw.path)
        if resource is None:
            return answer.error("forbidden" if self.kind == "rest" else "route_not_found")

        try:
            creds: Optional[Credentials] = self._verifier.parse(raw)
        except AuthFailure as failure:
            return answer.error(failure.verdict, failure.message, error_type=failure.error_type)
        answer.access_key = creds.access_key if creds is not None else None

        matched = self._routes.match(raw.method, resource)
        if matched is None and not self._routes.routes:  # the echo serves the root too
            segments = path_segments(resource)
            matched = (self._echo, {"proxy": "/".join(segments)} if segments else {})
        if matched is None:
            return answer.error("route_not_found")
        route, path_params = matched
        answer.route = route.template if route is not self._echo else None

        if creds is None:
            return answer.error("missing_signature")
        try:
            principal = self._verifier.verify(raw, creds, started)
        except AuthFailure as failure:
            message = failure.message
            if failure.canonical is not None and failure.string_to_sign is not None:
                message = mismatch_message(failure.canonical, failure.string_to_sign)
            return answer.error(failure.verdict, message, error_type=failure.error_type)
        answer.caller_arn = principal.arn

        if self._policy is not None:
            resource_arn = self.resource_arn(raw.method, resource)
            decision = self._policy.evaluate(
                caller_arn=principal.arn, action=self.action, resource=resource_arn
            )
            if decision != "allow":
                message = (
                    f"User: {principal.arn} is not authorized to perform: {self.action} "
                    f"on resource: {resource_arn}"
                )
                if decision == "explicit_deny":
                    return answer.error("explicit_deny", message + " with an explicit deny")
                return answer.error("access_denied", message)

        if self.api_key is not None:
            sent = (raw.header("x-api-key") or "").encode("utf-8")
            if not hmac.compare_digest(sent, self.api_key.encode("utf-8")):
                return answer.error("api_key")
        if self._bucket is not None and not self._bucket.take():
            return answer.error("throttled")
        if self._quota is not None and not self._quota.take():
            return answer.error("quota_exceeded")

        fault = None
        if self._dice is not None:
            if self._dice.faults.latency:
                self._stopping.wait(self._dice.faults.latency)
            fault = self._dice.roll()
            if fault == "error":
                return answer.error("integration_failure", status=self._dice.faults.error_status)

        request = Request(
            method=raw.method,
            path=raw.path,
            resource_path=resource,
            path_params=path_params,
            query=raw.query,
            params=parse_params(raw.query),
            headers=tuple(raw.headers),
            body=raw.body,
            caller_arn=principal.arn,
            stage=None if self.kind == "lambda_url" else self.stage,
        )
        with self._state_lock:
            self._executions[(raw.method, resource)] += 1
        route._count()
        answer.executed = True
        try:
            status, headers, body = normalize_result(route.handler(request))
        except Exception:
            _log.exception("route %s %s failed", route.method, route.template)
            return answer.error("integration_failure")
        if fault == "timeout":
            return answer.error("integration_timeout")
        if fault == "reset":
            return answer.finish("connection_reset", Response(0, reset=True))
        if not any(name.lower() == "content-type" for name, _ in headers):
            headers.append(("Content-Type", "application/json"))
        return answer.finish("ok", Response(status, headers, body))

    def _record(self, record: RequestRecord) -> None:
        with self._state_lock:
            self._records.append(record)
            self._recorded += 1


class _Answer:
    """Builds the final response for one request and records it."""

    def __init__(self, gateway: Gateway, raw: RawRequest, started: float) -> None:
        self.gateway = gateway
        self.raw = raw
        self.started = started
        self.access_key: Optional[str] = None
        self.caller_arn: Optional[str] = None
        self.route: Optional[str] = None
        self.executed = False

    def error(
        self,
        verdict: Verdict,
        message: str = "",
        *,
        status: Optional[int] = None,
        error_type: Optional[str] = None,
    ) -> Response:
        response = error_response(
            self.gateway.kind, verdict, message, status=status, error_type=error_type
        )
        return self.finish(verdict, response)

    def plain(self, verdict: Verdict, response: Response) -> Response:
        response.headers.insert(0, ("Date", self.gateway._date_header()))
        return self._recorded(verdict, response, "")

    def finish(self, verdict: Verdict, response: Response) -> Response:
        ids = request_id_headers(self.gateway.kind)
        response.headers = [
            ("Date", self.gateway._date_header()),
            *[(n, v) for n, v in response.headers if n.lower() != "date"],
            *ids,
        ]
        return self._recorded(verdict, response, ids[0][1])

    def _recorded(self, verdict: Verdict, response: Response, request_id: str) -> Response:
        self.gateway._record(
            RequestRecord(
                method=self.raw.method,
                path=self.raw.path,
                query=self.raw.query,
                verdict=verdict,
                status=response.status,
                time=self.started,
                access_key=self.access_key,
                caller_arn=self.caller_arn,
                route=self.route,
                executed=self.executed,
                request_id=request_id,
            )
        )
        return response


def _get_pet(request: Request) -> HandlerResult:
    for pet in _PETS:
        if str(pet["id"]) == request.path_params["id"]:
            return 200, {"Content-Type": "application/json"}, pet
    return 404, {"Content-Type": "application/json"}, {"message": "pet not found"}


def _create_pet(request: Request) -> HandlerResult:
    try:
        pet = request.json()
    except ValueError:
        return 400, {"Content-Type": "application/json"}, {"message": "body must be JSON"}
    if not isinstance(pet, dict):
        return 400, {"Content-Type": "application/json"}, {"message": "body must be an object"}
    return 201, {"Content-Type": "application/json"}, {**pet, "id": len(_PETS) + 1}
