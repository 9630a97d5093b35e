"""What was called: the API kind, and what the host name and the path say about the API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Optional
from urllib.parse import unquote

from iamapi._diagnosis._regex import Regex

__all__ = ["KINDS", "KIND_NAMES", "host_facts", "infer_kind", "split_stage"]

KINDS = ("rest", "http", "websocket", "lambda_url")
KIND_NAMES = {
    "rest": "REST API",
    "http": "HTTP API",
    "websocket": "WebSocket API",
    "lambda_url": "Lambda function URL",
}

_REGION = r"(?P<region>[a-z]{2}(?:-[a-z]+)+-\d+)"
_HOST_EXECUTE_API = Regex(
    r"^(?P<label>[a-z0-9-]+)\.execute-api\." + _REGION + r"\.amazonaws\.com(?P<cn>\.cn)?$"
)
_HOST_VPCE = Regex(
    r"^vpce-[0-9a-z]+-[0-9a-z]+\.execute-api\." + _REGION + r"\.vpce\.amazonaws\.com$"
)
_HOST_LAMBDA_URL = Regex(r"^(?P<label>[a-z0-9]+)\.lambda-url\." + _REGION + r"\.on\.aws$")


def host_facts(
    host: str, region: Optional[str], request_headers: Mapping[str, str]
) -> tuple[Optional[str], Optional[str], Optional[str], str]:
    """(host kind, API id, the API's region, partition) as far as the host name tells."""
    host_kind: Optional[str] = None
    api_id: Optional[str] = None
    api_region: Optional[str] = None
    partition = "aws"
    found = _HOST_EXECUTE_API.match(host)
    if found:
        label = found.group("label")
        host_kind = "private_api" if "-vpce-" in label else "execute_api"
        api_id = label.split("-vpce-", 1)[0]
        api_region = found.group("region")
        partition = "aws-cn" if found.group("cn") else "aws"
    elif _HOST_VPCE.match(host):
        host_kind = "vpc_endpoint"
        api_region = host.split(".execute-api.", 1)[1].split(".", 1)[0]
        api_id = request_headers.get("x-apigw-api-id")
    elif _HOST_LAMBDA_URL.match(host):
        host_kind = "lambda_url"
        api_region = host.split(".lambda-url.", 1)[1].split(".", 1)[0]
    elif host in ("localhost", "::1") or host.startswith("127."):
        host_kind = "local"
    elif host:
        host_kind = "custom_domain"
    api_region = api_region or region
    if api_region and api_region.startswith("us-gov-"):
        partition = "aws-us-gov"
    elif api_region and api_region.startswith("cn-"):
        partition = "aws-cn"
    return host_kind, api_id, api_region, partition


def infer_kind(
    headers: Mapping[str, str],
    host_kind: Optional[str],
    service: Optional[str],
    message: Optional[str],
    path: str,
    is_frame: bool,
) -> Optional[str]:
    """The API kind from the host, the message and the headers each kind sends."""
    if (
        host_kind == "lambda_url"
        or service == "lambda"
        or (message or "").startswith("Forbidden. For troubleshooting Function URL")
    ):
        return "lambda_url"
    if is_frame or "/@connections" in path or "/%40connections" in path.lower():
        return "websocket"
    if "apigw-requestid" in headers:
        return "http"
    if "x-amzn-errortype" in headers or "x-amz-apigw-id" in headers:
        return "rest"
    return None


_STAGE_IN_PATH = ("execute_api", "private_api", "vpc_endpoint", "local")


def split_stage(
    path: str, stage: Optional[str], host_kind: Optional[str]
) -> tuple[Optional[str], str]:
    """(stage, the path after it); the stage is the first segment on hosts that put it there."""
    segments = [s for s in path.split("/") if s]
    if stage is None and segments and host_kind in _STAGE_IN_PATH:
        stage = unquote(segments[0])
    if stage and segments and unquote(segments[0]) == stage:
        segments = segments[1:]
    resource_path = "/" + "/".join(segments)
    if path.endswith("/") and segments:
        resource_path += "/"
    return stage, resource_path
