"""Analyses of refusals: IAM and resource-policy denials, authorizers, function URLs, Forbidden."""

from __future__ import annotations

import json
import re
from typing import Any, Optional
from urllib.parse import unquote

from iamapi._diagnosis._facts import Facts
from iamapi._diagnosis._regex import Regex
from iamapi._diagnosis._routes import route_details
from iamapi._diagnosis._rule import Analysis
from iamapi._diagnosis._templates import numbered

__all__ = [
    "URL_IAM_NEEDS",
    "WIDE_ARN_PLACEHOLDER",
    "analyze_access",
    "analyze_authorizer",
    "analyze_forbidden",
    "analyze_http_forbidden",
    "analyze_lambda_url",
    "compact_json",
    "function_url_policy",
]

# What AuthType AWS_IAM asks of a function URL's caller; the docs show the same words.
URL_IAM_NEEDS = (
    "With AuthType AWS_IAM, your identity needs lambda:InvokeFunctionUrl and, for "
    "function URLs created since October 2025, lambda:InvokeFunction as well"
)
# Every method of a stage, when the API id or the region is not known.
WIDE_ARN_PLACEHOLDER = "arn:aws:execute-api:<region>:<account-id>:<api-id>/<stage>/*"


def compact_json(value: Any) -> str:
    """A policy statement as one line of JSON."""
    return json.dumps(value, separators=(",", ":"))


def function_url_policy(partition: str, region: str) -> dict[str, Any]:
    """The statement that lets an identity call a function URL."""
    resource = f"arn:{partition}:lambda:{region}:<account-id>:function:<function-name>"
    return {
        "Effect": "Allow",
        "Action": ["lambda:InvokeFunctionUrl", "lambda:InvokeFunction"],
        "Resource": resource,
    }


def analyze_forbidden(f: Facts, m: Optional[re.Match[str]]) -> Analysis:
    candidates: list[str] = []
    if f.host_kind == "custom_domain":
        candidates.append("an AWS WAF web ACL on the custom domain's API stage blocked the request")
    elif f.url and not f.stage:
        candidates.append(
            f"the URL names no stage (REST API URLs are https://{f.host}/<stage>/<path>)"
        )
    else:
        stage = f"'{f.stage}'" if f.stage else "in the URL"
        candidates.append(
            f"the stage {stage} is not a deployed stage of this API: stage names are "
            "case-sensitive, must be spelt exactly, and must be followed by '/' before the path"
        )
    candidates.append(
        "the method requires an API key and the x-api-key header is missing, wrong, disabled, "
        "or its usage plan is not linked to this stage"
    )
    if f.host_kind != "custom_domain":
        candidates.append(
            "an AWS WAF web ACL on the stage blocked the request (for example a body over "
            "8 KB with the core rule set)"
        )
    if f.host_kind == "vpc_endpoint":
        candidates.append(
            "the VPC endpoint is not allowed by the private API's resource policy, or the "
            "request lacks the Host or x-apigw-api-id header naming the API"
        )
    else:
        candidates.append(
            "the API is private and was called outside its VPC endpoint, or a public API "
            "was called from a VPC whose execute-api endpoint has private DNS turned on"
        )
    candidates.append(
        "the API's default execute-api endpoint is disabled (only its custom domain serves it)"
    )
    if f.kind is None:
        candidates.append(
            "if this is an HTTP API: your IAM identity may not call execute-api:Invoke on it"
        )
    details = route_details(f)
    details["candidates"] = candidates
    return {"candidates": numbered(candidates)}, details


def _principal_of(caller: str) -> tuple[str, str]:
    """Return (who, where to attach) for a caller ARN."""
    if caller == "anonymous":
        return "an anonymous caller", "the API's resource policy"
    assumed = re.match(r"arn:[\w-]+:sts::(\d+):assumed-role/([^/]+)/", caller)
    if assumed:
        role = assumed.group(2)
        return f"your identity {caller}", f"the IAM role '{role}'"
    user = re.match(r"arn:[\w-]+:iam::(\d+):user/(?:.*/)?([^/]+)$", caller)
    if user:
        return f"your identity {caller}", f"the IAM user '{user.group(2)}'"
    return f"your identity {caller}", "your identity's IAM policies"


def _execute_api_arn(f: Facts, *, action: str) -> Optional[str]:
    if not f.api_id or not f.api_region:
        return None
    path = unquote(f.resource_path).lstrip("/")
    stage = f.stage or "*"
    if action == "execute-api:ManageConnections":
        return (
            f"arn:{f.partition}:execute-api:{f.api_region}:*:{f.api_id}/{stage}/POST/@connections/*"
        )
    method = f.method or "*"
    return f"arn:{f.partition}:execute-api:{f.api_region}:*:{f.api_id}/{stage}/{method}/{path}"


_IAM_DENIED = Regex(
    r"User: (?P<caller>\S+) is not authorized to perform: (?P<action>\S+) on resource: "
    r"(?P<resource>\S+?)(?P<suffix> with an explicit deny.*| because no .*)?\.?\s*$",
    re.DOTALL,
)


def analyze_access(f: Facts, m: Optional[re.Match[str]]) -> Analysis:
    found = _IAM_DENIED.search(f.message or "")
    caller = found.group("caller") if found else None
    action = found.group("action") if found else None
    if action is None:
        connections = "@connections" in f.path or "%40connections" in f.path.lower()
        action = "execute-api:ManageConnections" if connections else "execute-api:Invoke"
    resource = found.group("resource") if found else _execute_api_arn(f, action=action)
    suffix = (found.group("suffix") or "") if found else ""
    explicit = "explicit deny" in suffix.lower() or "explicit deny" in (f.message or "").lower()
    details: dict[str, Any] = {
        "caller_arn": caller,
        "action": action,
        "resource_arn": resource,
        "explicit": explicit,
    }
    who, attach = (
        _principal_of(caller) if caller else ("your identity", "your identity's IAM policies")
    )
    resource_text = (
        resource
        or f"the API's ARN (arn:{f.partition}:execute-api:<region>:<account-id>:<api-id>"
        "/<stage>/<METHOD>/<path>)"
    )
    notes: list[str] = []
    if caller == "anonymous":
        notes.append(
            "The gateway evaluated the call as 'anonymous', so no signature was used: either "
            "the request was not signed, or the method's authorization is not AWS_IAM and only "
            "the resource policy was checked."
        )
    if resource and "@connections/@connections" in resource:
        notes.append("The resource ARN repeats '@connections': the path was doubled.")
    if "because no identity-based policy allows" in suffix:
        notes.append("No identity-based policy of yours allows the action.")
    values: dict[str, str] = {
        "who": who,
        "action": action,
        "resource_arn": resource_text,
        "notes": (" " + " ".join(notes)) if notes else "",
        "attach_to": attach,
    }
    policy: Optional[dict[str, str]] = None
    if resource:
        policy = {"Effect": "Allow", "Action": action, "Resource": resource}
        details["policy"] = policy
        values["policy_json"] = compact_json(policy)
    else:
        values["policy_json"] = compact_json(
            {"Effect": "Allow", "Action": action, "Resource": resource_text}
        )
    if caller == "anonymous":
        values["allow_where"] = (
            "Sign the request (IamApiClient does) and set the method's authorization to AWS_IAM, "
            "or allow the caller in the API's resource policy"
        )
    else:
        values["allow_where"] = f"Attach this statement to {attach}"
    return values, details


def analyze_http_forbidden(f: Facts, m: Optional[re.Match[str]]) -> Analysis:
    values, details = analyze_access(f, m)
    details["explicit"] = False
    return values, details


def analyze_authorizer(f: Facts, m: Optional[re.Match[str]]) -> Analysis:
    arn = _execute_api_arn(f, action="execute-api:Invoke")
    wide = (
        f"arn:{f.partition}:execute-api:{f.api_region}:*:{f.api_id}/{f.stage or '*'}/*"
        if f.api_id and f.api_region
        else WIDE_ARN_PLACEHOLDER
    )
    details: dict[str, Any] = {
        "resource_arn": arn,
        "explicit": "explicit deny" in (f.message or "").lower(),
    }
    return {"method_arn": arn or "this method's ARN", "wide_arn": wide}, details


def analyze_lambda_url(f: Facts, m: Optional[re.Match[str]]) -> Analysis:
    policy = function_url_policy(f.partition, f.api_region or "<region>")
    if f.signed:
        first = URL_IAM_NEEDS
    else:
        first = (
            "The request was not signed: with AuthType AWS_IAM every call must carry a SigV4 "
            "signature for service 'lambda'; with AuthType NONE the function's resource-based "
            "policy must allow principal '*'"
        )
    details = {
        "action": "lambda:InvokeFunctionUrl",
        "resource_arn": None,
        "caller_arn": None,
        "explicit": False,
        "policy": policy,
    }
    return {"first": first, "url_policy_json": compact_json(policy)}, details
