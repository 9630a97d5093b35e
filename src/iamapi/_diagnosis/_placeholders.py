"""Placeholders for the template values, for the docs and for an analyzer that failed.

:data:`DOC_VALUES` stands in for the values the facts give (``{route}``,
``{stage}``...) when the docs are rendered. :data:`DOC_ANALYZER_VALUES` stands
in for the values the analyzers give: the docs use it, and a diagnosis falls
back on it when an analyzer fails, so that no ``{name}`` is ever left in a text.
"""

from __future__ import annotations

from iamapi._diagnosis._access import (
    URL_IAM_NEEDS,
    WIDE_ARN_PLACEHOLDER,
    compact_json,
    function_url_policy,
)

__all__ = ["DOC_ANALYZER_VALUES", "DOC_VALUES"]

DOC_VALUES: dict[str, str] = {
    "status": "<status>",
    "route": "<METHOD> <path>",
    "method": "<METHOD>",
    "path": "<path>",
    "stage": "<stage>",
    "in_stage": "in stage <stage>",
    "api_id": "<api-id>",
    "region": "<region>",
    "request_id": "<request-id>",
    "kind_name": "API",
}

DOC_ANALYZER_VALUES: dict[str, str] = {
    "where": "",
    "matched": "<METHOD> <route>",
    "candidates": (
        "(1) the stage in the URL is not a deployed stage (names are case-sensitive); "
        "(2) the API key is missing, wrong, disabled or not in a usage plan for the stage; "
        "(3) an AWS WAF web ACL blocked the request; (4) a private API called outside its VPC "
        "endpoint, or a public API called from a VPC whose execute-api endpoint has private DNS "
        "on; (5) the default execute-api endpoint is disabled"
    ),
    "who": "the caller named in the message",
    "action": "execute-api:Invoke",
    "resource_arn": "the resource ARN named in the message",
    "notes": "",
    "allow_where": "Attach this statement to the caller's identity policy",
    "policy_json": '{"Effect":"Allow","Action":"execute-api:Invoke","Resource":"<resource-arn>"}',
    "method_arn": "the method's ARN",
    "wide_arn": WIDE_ARN_PLACEHOLDER,
    "url_policy_json": compact_json(function_url_policy("aws", "<region>")),
    "first": URL_IAM_NEEDS,
    "finding": (
        "The gateway's canonical request differs from the one you signed. With the canonical "
        "string the gateway appends (REST APIs) and the one the client built, the diagnosis "
        "names the part that differs: the method, the path encoding (the path as sent is "
        "encoded once more), the query (sorted, spaces as %20), a header value changed after "
        "signing, the signed-header list, the payload hash, or the credential scope. When "
        "both are identical, the secret access key is wrong. Function URLs send no canonical "
        "string, so the causes are listed in order of likelihood"
    ),
    "remedy": (
        "Send the request exactly as signed; `error.details['diff']` lists each differing part "
        "with what the gateway saw and what you signed"
    ),
    "signed_region": "<region-in-scope>",
    "expected_region": ", but the API is in <api-region>",
    "region_arg": "<api-region>",
    "signed_service": "<service-in-scope>",
    "expected_service": "execute-api",
    "reasons": (
        "(1) the access key id does not exist (deleted, mistyped, another partition); "
        "(2) a temporary key (ASIA…) sent without its session token; "
        "(3) a placeholder token such as 'undefined'"
    ),
    "sent": "a non-SigV4 Authorization header (Bearer, Basic, a raw token)",
    "scheme": "token",
    "problem": "the part named in the message is missing or malformed",
    "limits": (
        "the method's or stage's throttle, the usage plan's rate, the account's regional "
        "limit, or a function URL's reserved concurrency"
    ),
    "wait": "",
    "said": "",
    "backend_said": "",
    "connection": "",
}
