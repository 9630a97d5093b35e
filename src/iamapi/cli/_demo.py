"""``iamapi demo``: a local gateway, one signed call, and the three classic failures explained."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Callable

from iamapi.cli._console import Console, error_parts

if TYPE_CHECKING:
    from iamapi._client import IamApiClient
    from iamapi._exceptions import GatewayError
    from iamapi.emulator import Gateway

__all__ = ["add_parser", "run"]

DESCRIPTION = """\
Start a local API Gateway emulator on a free port, make a signed call that succeeds,
then make the three calls that fail most often in real life and show what iamapi
says about each: an unsigned call, a signed call to a route that does not exist, and
a call signed with the wrong secret key. Needs no AWS account and no network."""

EXAMPLES = """\
examples:
  iamapi demo
  python -m iamapi demo

exit status: 0 every step behaved as expected; 1 a step did not"""

_INDENT = "      "


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="see a signed call and three classic failures on a local gateway",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(run=run)


class _Demo:
    """The steps, sharing one gateway, one client and the output."""

    def __init__(self, out: Console, gateway: Gateway, client: IamApiClient) -> None:
        self.out = out
        self.gateway = gateway
        self.client = client
        self.number = 0

    @property
    def path(self) -> str:
        return f"/{self.gateway.stage}"

    def heading(self, title: str, target: str) -> None:
        self.number += 1
        self.out.line()
        self.out.line(self.out.paint(f"[{self.number}/4] {title}", "bold"))
        self.out.line(f"{_INDENT}{target}")

    def answer(self, status: int, body: bytes, limit: int = 200) -> None:
        text = " ".join(body.decode("utf-8", "replace").split())
        if len(text) > limit:
            text = text[:limit] + " ..."
        self.out.line(self.out.wrap(text, _INDENT, first=f"{_INDENT}-> HTTP {status}: "))

    def explain(self, source: str, error: GatewayError) -> None:
        self.out.line(f"{_INDENT}{source} -> {type(error).__name__} [{error.code}]")
        for label, text in error_parts(error)[1:]:
            self.out.line(self.out.wrap(f"{label} {text}", _INDENT))

    def verdict(self, ok: bool, text: str) -> bool:
        mark = "ok" if ok else "UNEXPECTED"
        wrapped = self.out.wrap(f"{mark}: {text}", _INDENT)
        colour = "green" if ok else "red"
        self.out.line(_INDENT + self.out.paint(mark, colour) + wrapped[len(_INDENT) + len(mark) :])
        return ok

    def signed_call(self) -> bool:
        self.heading("A signed call", f"GET {self.path}/pets, signed with SigV4 by IamApiClient")
        response = self.client.get("/pets", raise_for_status=False)
        self.answer(response.status_code, response.content)
        try:
            names = [pet["name"] for pet in response.json()]
        except (ValueError, TypeError, KeyError):
            names = []
        ok = response.status_code == 200 and bool(names)
        return self.verdict(
            ok, f"the gateway checked the signature and let it in ({len(names)} pets)."
        )

    def unsigned_call(self) -> bool:
        import requests

        import iamapi

        self.heading(
            "An unsigned call", f"GET {self.path}/pets with plain requests: no Authorization header"
        )
        response = requests.get(self.gateway.url + "/pets", timeout=5)
        self.answer(response.status_code, response.content)
        error = iamapi.diagnose(
            response.status_code,
            response.headers,
            response.content,
            signed=False,
            method="GET",
            url=response.url,
            stage=self.gateway.stage,
            region=self.gateway.region,
            service=self.gateway.service,
        )
        if error is None:
            return self.verdict(False, "the gateway accepted an unsigned call.")
        self.explain("iamapi.diagnose(status, headers, body, signed=False)", error)
        return self.verdict(error.code == "missing_signature", "diagnosed as a missing signature.")

    def wrong_route(self) -> bool:
        from iamapi._exceptions import GatewayError

        self.heading(
            "A signed call to a route that does not exist", f"GET {self.path}/petz (not /pets)"
        )
        try:
            response = self.client.get("/petz")
        except GatewayError as error:
            self.answer(error.status or 0, _content(error))
            self.explain("IamApiClient raised", error)
            return self.verdict(
                error.code == "route_not_found",
                "the same 'Missing Authentication Token' as step 2, told apart because the "
                "call was signed.",
            )
        self.answer(response.status_code, response.content)
        return self.verdict(False, "the gateway served a route that should not exist.")

    def wrong_secret(self) -> bool:
        from iamapi import FrozenCredentials, IamApiClient
        from iamapi._exceptions import GatewayError
        from iamapi.emulator import DEMO_PRINCIPAL

        self.heading(
            "A call signed with the wrong secret key",
            f"GET {self.path}/pets: the right access key id, a secret key that is not its own",
        )
        wrong = FrozenCredentials(DEMO_PRINCIPAL.access_key, "not-the-secret-that-goes-with-it")
        self.out.secrets.add(wrong.secret_key)
        with IamApiClient(
            self.gateway.url, region=self.gateway.region, credentials=wrong, retry=False
        ) as client:
            try:
                response = client.get("/pets")
            except GatewayError as error:
                sentence = error.message.split(". ", 1)[0]
                shown = f'{{"message":"{sentence}. ..."}} (then the gateway\'s canonical request)'
                self.answer(error.status or 0, shown.encode("utf-8"))
                self.explain("IamApiClient raised", error)
                return self.verdict(
                    error.code == "signature_mismatch" and "secret" in error.cause,
                    "iamapi compared the gateway's canonical request with its own: they are "
                    "identical, so the secret key is what differs.",
                )
        self.answer(response.status_code, response.content)
        return self.verdict(False, "the gateway accepted a wrong secret.")


def _content(error: GatewayError) -> bytes:
    response = error.response
    return response.content if response is not None else error.message.encode("utf-8")


def run(args: argparse.Namespace) -> int:
    from iamapi import FrozenCredentials, IamApiClient
    from iamapi.emulator import DEMO_PRINCIPAL, Gateway

    out = Console(sys.stdout, {DEMO_PRINCIPAL.secret_key})
    credentials = FrozenCredentials(DEMO_PRINCIPAL.access_key, DEMO_PRINCIPAL.secret_key)
    with Gateway.demo(port=0) as gateway:
        client = IamApiClient(
            gateway.url, region=gateway.region, credentials=credentials, retry=False, timeout=5
        )
        routes = ", ".join(f"{r.method} {r.template}" for r in gateway.routes)
        out.line(
            out.wrap(
                f"A local API Gateway emulator (REST API, region {gateway.region}) is running at "
                f"{gateway.url} with routes {routes}. It checks SigV4 as API Gateway does and "
                f"knows one caller, {DEMO_PRINCIPAL.arn} (access key id "
                f"{DEMO_PRINCIPAL.access_key}).",
            )
        )
        demo = _Demo(out, gateway, client)
        steps: list[Callable[[], bool]] = [
            demo.signed_call,
            demo.unsigned_call,
            demo.wrong_route,
            demo.wrong_secret,
        ]
        with client:
            results = [step() for step in steps]
    out.line()
    if all(results):
        out.line(out.paint("All 4 steps behaved as expected.", "green"))
        out.line(
            out.wrap(
                "Next: 'iamapi emulator' keeps a gateway running for your own calls, "
                "'iamapi request URL' signs and sends one, and 'iamapi doctor URL' checks an "
                "endpoint step by step."
            )
        )
        return 0
    failed = [str(number) for number, ok in enumerate(results, 1) if not ok]
    out.line(out.paint(f"Step(s) {', '.join(failed)} did not behave as expected.", "red"))
    return 1
