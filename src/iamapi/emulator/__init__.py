"""A local API Gateway / Lambda function URL that verifies SigV4 and fails like AWS does.

>>> from iamapi.emulator import Gateway, Principal
>>> gw = Gateway(principals=[Principal("AKIDEXAMPLE", "secret")])
>>> _ = gw.route("GET", "/pets", (200, {"Content-Type": "application/json"}, b"[]"))
>>> with gw:
...     gw.url.startswith("http://127.0.0.1:")
True

See ``docs/emulator.md`` for the order of checks and the exact answers.
"""

from __future__ import annotations

from iamapi.emulator._config import Faults, Principal, Throttle
from iamapi.emulator._gateway import DEMO_PRINCIPAL, Gateway
from iamapi.emulator._records import RequestRecord, Verdict
from iamapi.emulator._routes import Request, Route

__all__ = [
    "DEMO_PRINCIPAL",
    "Faults",
    "Gateway",
    "Principal",
    "Request",
    "RequestRecord",
    "Route",
    "Throttle",
    "Verdict",
]
