"""What a URL says about the API behind it: service, region, API id, stage and kind.

Recognised host names:

==================================================================  ===============  ===========
host                                                                kind             service
==================================================================  ===============  ===========
``{api-id}.execute-api.{region}.amazonaws.com`` (``.com.cn`` too)   ``execute_api``  execute-api
``{api-id}-{vpce-id}.execute-api.{region}.amazonaws.com``           ``private_api``  execute-api
``{vpce-id}-{suffix}.execute-api.{region}.vpce.amazonaws.com``      ``vpc_endpoint`` execute-api
``{url-id}.lambda-url.{region}.on.aws``                             ``lambda_url``   lambda
``localhost``, ``127.x.x.x``, ``[::1]``                             ``local``        execute-api
anything else (a custom domain)                                     ``custom_domain`` execute-api
==================================================================  ===============  ===========

The region comes from the ``region`` argument first, then from the host name
when it names one, then from ``AWS_REGION``, ``AWS_DEFAULT_REGION`` and the
profile's configured region. The host name beats the environment on purpose: a
Lambda function in one region calling an API in another must sign for the API's
region, not for the ``AWS_REGION`` the Lambda runtime sets.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, Optional
from urllib.parse import urlsplit

from iamapi._exceptions import ConfigurationError, InvalidURLError, RegionNotFoundError

__all__ = ["Endpoint", "EndpointKind", "is_loopback_host"]

EndpointKind = Literal[
    "execute_api", "private_api", "vpc_endpoint", "lambda_url", "local", "custom_domain"
]

_REGION = r"(?P<region>[a-z]{2}(?:-[a-z]+)+-\d+)"
_EXECUTE_API = re.compile(
    r"^(?P<label>[a-z0-9-]+)\.execute-api\." + _REGION + r"\.amazonaws\.com(?:\.cn)?$"
)
_VPC_ENDPOINT = re.compile(
    r"^(?P<vpce>vpce-[0-9a-z]+)-[0-9a-z]+\.execute-api\." + _REGION + r"\.vpce\.amazonaws\.com$"
)
_LAMBDA_URL = re.compile(r"^(?P<label>[a-z0-9]+)\.lambda-url\." + _REGION + r"\.on\.aws$")
_PRIVATE_ALIAS = re.compile(r"^(?P<api>[a-z0-9]+)-(?P<vpce>vpce-[0-9a-z]+)$")


def is_loopback_host(host: str) -> bool:
    """True for ``localhost`` and loopback IP literals (``127.0.0.0/8``, ``::1``)."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Endpoint:
    """A parsed API base URL.

    ``host`` is the host name (IPv6 without brackets), ``netloc`` the ``Host``
    header value as sent (brackets and a non-default port kept, never userinfo),
    ``base_path`` the URL's path without a trailing slash (``"/prod"``), and
    ``stage`` the first path segment on hosts where it names the stage.
    """

    url: str
    scheme: str
    host: str
    port: Optional[int]
    netloc: str
    base_path: str
    region: str
    service: str
    kind: EndpointKind
    api_id: Optional[str] = None
    stage: Optional[str] = None
    vpce_id: Optional[str] = None

    @classmethod
    def parse(
        cls,
        url: str,
        *,
        region: Optional[str] = None,
        service: Optional[str] = None,
        profile: Optional[str] = None,
        environ: Optional[Mapping[str, str]] = None,
    ) -> Endpoint:
        """Parse ``url``; explicit ``region``/``service`` win over what the URL says.

        Raises :class:`InvalidURLError` for a URL that is not ``http(s)://host/...``
        and :class:`RegionNotFoundError` when no region can be found.
        """
        if not isinstance(url, str):
            raise InvalidURLError(f"The URL must be a string, not {type(url).__name__}.")
        try:
            parts = urlsplit(url.strip())
            port = parts.port
        except ValueError as exc:
            raise InvalidURLError(f"Cannot parse URL {url!r}: {exc}.") from None
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise InvalidURLError(
                f"URL {url!r} must start with https:// (or http:// for a local server)."
            )
        host = (parts.hostname or "").lower()
        if not host:
            raise InvalidURLError(f"URL {url!r} has no host name.")
        default_port = 443 if scheme == "https" else 80
        shown_host = f"[{host}]" if ":" in host else host
        netloc = shown_host if port in (None, default_port) else f"{shown_host}:{port}"
        base_path = parts.path.rstrip("/")
        segments = [s for s in base_path.split("/") if s]
        first_segment = segments[0] if segments else None

        kind: EndpointKind
        inferred_region: Optional[str] = None
        inferred_service = "execute-api"
        api_id = stage = vpce_id = None
        if match := _EXECUTE_API.match(host):
            inferred_region = match.group("region")
            label = match.group("label")
            alias = _PRIVATE_ALIAS.match(label)
            if alias:
                kind, api_id, vpce_id = "private_api", alias.group("api"), alias.group("vpce")
            else:
                kind, api_id = "execute_api", label
            stage = first_segment
        elif match := _VPC_ENDPOINT.match(host):
            kind, inferred_region, vpce_id = "vpc_endpoint", match.group("region"), match["vpce"]
            stage = first_segment
        elif match := _LAMBDA_URL.match(host):
            kind, inferred_region, api_id = "lambda_url", match.group("region"), match["label"]
            inferred_service = "lambda"
        elif is_loopback_host(host):
            kind, stage = "local", first_segment
        else:
            kind = "custom_domain"

        resolved_region = region or inferred_region or _region_from_environment(environ, profile)
        if not resolved_region:
            raise RegionNotFoundError(
                f"Cannot tell the AWS region for {netloc}: the host name does not name one. "
                "Pass region='us-east-1' (or the API's region), or set AWS_REGION, "
                "or set 'region' in your AWS profile."
            )
        return cls(
            url=f"{scheme}://{netloc}{base_path}",
            scheme=scheme,
            host=host,
            port=port,
            netloc=netloc,
            base_path=base_path,
            region=resolved_region,
            service=service or inferred_service,
            kind=kind,
            api_id=api_id,
            stage=stage,
            vpce_id=vpce_id,
        )

    @property
    def is_loopback(self) -> bool:
        """True when the host is a loopback address or ``localhost``."""
        return self.kind == "local"


def _region_from_environment(
    environ: Optional[Mapping[str, str]], profile: Optional[str]
) -> Optional[str]:
    env = os.environ if environ is None else environ
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    if region:
        return region
    return _region_from_profile(profile)


def _region_from_profile(profile: Optional[str]) -> Optional[str]:
    # Imported here: reading the shared config costs botocore's session import,
    # which only a URL without a region in it should pay for.
    from botocore.exceptions import ProfileNotFound  # type: ignore[import-untyped]
    from botocore.session import Session  # type: ignore[import-untyped]

    try:
        value = Session(profile=profile).get_config_variable("region")
    except ProfileNotFound as exc:
        name = profile or os.environ.get("AWS_PROFILE") or os.environ.get("AWS_DEFAULT_PROFILE")
        raise ConfigurationError(
            f"The AWS profile {name!r} is not in your AWS config or credentials file, so its "
            "region cannot be read. Check the name (`aws configure list-profiles`), or pass "
            "region= and leave the profile out."
        ) from exc
    return str(value) if value else None
