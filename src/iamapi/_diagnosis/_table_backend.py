"""The table's last rows: past authentication and IAM, then the catch-alls.

The gateway's limits (usage-plan quota, throttling), authorizer and
integration failures and timeouts, request validation, a closed WebSocket
connection, a HEAD answer without a body, and the catch-alls that give every
other 4xx and 5xx an answer.
"""

from __future__ import annotations

import re

from iamapi._diagnosis._backend import analyze_client_error
from iamapi._diagnosis._regex import Regex
from iamapi._diagnosis._routes import analyze_gone, analyze_missing_route
from iamapi._diagnosis._rule import ALL_4XX, ALL_5XX, Rule, kinds, statuses, types
from iamapi._diagnosis._table_access import ROUTE_FIX
from iamapi._diagnosis._throttle import analyze_throttle

__all__ = ["BACKEND_RULES"]

_THROTTLE_CAUSE = "The gateway throttled the call: the request rate went over {limits}."
_THROTTLE_FIX = (
    "Retry with exponential back-off and jitter{wait}: the call did not run, so retrying is "
    "safe. If it keeps happening, slow down or have the limit raised."
)
_AUTHORIZER_ERROR_CAUSE = (
    "API Gateway could not use the route's Lambda authorizer: the authorizer threw an error "
    "other than 'Unauthorized', returned a malformed policy (not principalId plus "
    "policyDocument), timed out, or API Gateway may not invoke it."
)
_AUTHORIZER_ERROR_FIX = (
    "Read the authorizer function's CloudWatch logs and the API's execution log for request "
    '{request_id}; check that it returns {"principalId": ..., "policyDocument": ...} and '
    "that its resource policy lets apigateway.amazonaws.com invoke it. A retry may pass if the "
    "failure was transient."
)
_INTEGRATION_TIMEOUT_FIX = (
    "Make the backend answer faster or asynchronously (accept the job, return 202, let the "
    "caller poll). The request may have run: retry only if the operation is idempotent."
)

BACKEND_RULES: tuple[Rule, ...] = (
    Rule(
        name="Usage-plan quota used up",
        code="quota_exceeded",
        cases=("quota",),
        statuses=statuses(429),
        error_types=types("LimitExceededException"),
        pattern=Regex(r"^Limit Exceeded$"),
        analyze=analyze_throttle,
        cause=(
            "The usage-plan quota of your API key is used up (requests per day, week or month)."
        ),
        fix=(
            "Retrying does not help until the quota period resets. Raise the quota on the usage "
            "plan, or use a key in another plan."
        ),
        examples=("Limit Exceeded",),
    ),
    Rule(
        name="Throttled: Too Many Requests",
        code="throttled",
        cases=("throttled",),
        statuses=statuses(429),
        error_types=types("TooManyRequestsException", "ThrottlingException"),
        pattern=Regex(r"^Too Many Requests$|Rate exceeded", re.IGNORECASE),
        analyze=analyze_throttle,
        cause=_THROTTLE_CAUSE,
        fix=_THROTTLE_FIX,
        examples=("Too Many Requests",),
    ),
    Rule(
        name="429 with any body",
        code="throttled",
        cases=("throttled",),
        statuses=statuses(429),
        analyze=analyze_throttle,
        cause=_THROTTLE_CAUSE,
        fix=_THROTTLE_FIX,
    ),
    Rule(
        name="Authorizer configuration error",
        code="integration_failure",
        cases=("authorizer-error",),
        statuses=statuses(500),
        error_types=types("AuthorizerConfigurationException"),
        cause=_AUTHORIZER_ERROR_CAUSE,
        fix=_AUTHORIZER_ERROR_FIX,
    ),
    Rule(
        name="500 with a null message (authorizer failure)",
        code="integration_failure",
        cases=("authorizer-error",),
        when=lambda f: f.message_is_null and f.match_status in (500, None),
        condition="status 500 (or unknown) and the message is null",
        cause=_AUTHORIZER_ERROR_CAUSE,
        fix=_AUTHORIZER_ERROR_FIX,
        examples=("null",),
    ),
    Rule(
        name="REST API: Endpoint request timed out",
        code="integration_timeout",
        cases=("timeout-rest",),
        pattern=Regex(r"^Endpoint request timed out"),
        cause=(
            "The backend did not answer within the integration timeout (29 seconds by default "
            "on REST APIs); it may still have run."
        ),
        fix=_INTEGRATION_TIMEOUT_FIX,
        examples=("Endpoint request timed out",),
    ),
    Rule(
        name="HTTP API: Service Unavailable",
        code="integration_timeout",
        cases=("unavailable-http",),
        kinds=kinds("http", None),
        statuses=statuses(503),
        pattern=Regex(r"^Service Unavailable$"),
        cause=(
            "The HTTP API's integration did not answer in time (at most 30 seconds) or was "
            "unavailable; it may still have run."
        ),
        fix=_INTEGRATION_TIMEOUT_FIX,
        examples=("Service Unavailable",),
    ),
    Rule(
        name="REST API: 502 Internal server error",
        code="integration_failure",
        cases=("ise-rest",),
        statuses=statuses(502),
        pattern=Regex(r"^Internal server error$"),
        cause=(
            "The Lambda function behind {route} failed or returned an answer API Gateway cannot "
            "use: an unhandled error, a timeout, or a proxy response that is not "
            '{"statusCode": ..., "headers": {...}, "body": "<string>"}.'
        ),
        fix=(
            "Read the function's CloudWatch logs for request {request_id}; with proxy "
            "integration, return statusCode, string-valued headers and a string body "
            "(JSON-encode objects). Retrying does not help until the function is fixed."
        ),
        examples=("Internal server error",),
    ),
    Rule(
        name="REST API: 500 Internal server error",
        code="integration_failure",
        cases=("ise-rest",),
        statuses=statuses(500),
        pattern=Regex(r"^Internal server error$"),
        cause=(
            "API Gateway could not call the integration: most often it may not invoke the "
            "Lambda function (no resource-policy statement for apigateway.amazonaws.com and this "
            "API), or the integration is misconfigured (endpoint, mapping template, binary "
            "media types)."
        ),
        fix=(
            "Turn on execution logging for stage '{stage}' and read the entry for request "
            "{request_id}; to allow the invocation: `aws lambda add-permission --function-name "
            "<function-name> --statement-id apigateway --action lambda:InvokeFunction "
            "--principal apigateway.amazonaws.com --source-arn "
            "arn:aws:execute-api:{region}:<account-id>:{api_id}/*`."
        ),
        examples=("Internal server error",),
    ),
    Rule(
        name="Lambda function URL: the function failed",
        code="integration_failure",
        kinds=kinds("lambda_url"),
        statuses=statuses(500, 502),
        pattern=Regex(r"^Internal Server Error$", re.IGNORECASE),
        cause=(
            "The function behind the URL threw an error, timed out, or returned a response the "
            "function URL cannot turn into HTTP (for example a body that is not a string)."
        ),
        fix=(
            "Read the function's CloudWatch logs for request {request_id}; return "
            '{"statusCode": ..., "body": "<string>"} or a plain string.'
        ),
        examples=("Internal Server Error",),
    ),
    Rule(
        name="HTTP API: Internal Server Error",
        code="integration_failure",
        cases=("ise-http",),
        kinds=kinds("http", None),
        statuses=statuses(500),
        pattern=Regex(r"^Internal Server Error$"),
        cause=(
            "The HTTP API could not call its integration or authorizer: a Lambda error, a "
            "missing invoke permission, or a wrong integration role."
        ),
        fix=(
            "Add $context.integrationErrorMessage and $context.authorizer.error to the stage's "
            "access-log format and read the entry for request {request_id}."
        ),
        examples=("Internal Server Error",),
    ),
    Rule(
        name="504 with any body",
        code="integration_timeout",
        cases=("timeout-rest",),
        statuses=statuses(504),
        cause=(
            "The gateway gave up waiting for the backend (integration timeout or failure); the "
            "request may still have run."
        ),
        fix=_INTEGRATION_TIMEOUT_FIX,
    ),
    Rule(
        name="Request validator: Invalid request body",
        code="client_error",
        cases=("bad-body",),
        statuses=statuses(400),
        pattern=Regex(r"^Invalid request body$"),
        analyze=analyze_client_error,
        cause=(
            "The API's request validator rejected the body: it does not match the model "
            "attached to {route}. Authentication passed."
        ),
        fix=(
            "Compare your JSON with the method's model; the gateway only tells which field "
            "failed in its execution log or through $context.error.validationErrorString in a "
            "BAD_REQUEST_BODY gateway response."
        ),
        examples=("Invalid request body",),
    ),
    Rule(
        name="Request validator: missing parameters",
        code="client_error",
        cases=(),
        statuses=statuses(400),
        pattern=Regex(r"^Missing required request parameters"),
        analyze=analyze_client_error,
        cause=(
            "The API's request validator requires parameters (query string or headers) that "
            "the request did not carry. Authentication passed."
        ),
        fix="Send the parameters named in the message.",
        examples=("Missing required request parameters: [petType]",),
    ),
    Rule(
        name="WebSocket @connections: Gone",
        code="client_error",
        cases=("ws-gone",),
        statuses=statuses(410),
        when=lambda f: f.kind == "websocket" or f.error_type == "GoneException",
        condition="a WebSocket API, or x-amzn-ErrorType `GoneException`",
        analyze=analyze_gone,
        cause="The WebSocket connection{connection} is closed or never existed.",
        fix=(
            "Stop sending to it and remove it from wherever you keep connection ids; it will not "
            "come back. Retrying does not help."
        ),
    ),
    Rule(
        name="HEAD answer without a body",
        code="client_error",
        statuses=ALL_4XX,
        when=lambda f: f.method == "HEAD" and f.body_format == "empty" and not f.error_type,
        condition="a HEAD request, no body and no x-amzn-ErrorType",
        cause=(
            "A HEAD answer has no body, so the message that would say who refused the call is "
            "missing: the HTTP {status} may come from the gateway (no signature, no such route, "
            "an IAM denial) or from the backend."
        ),
        fix=(
            "Repeat the call as GET (or diagnose the GET answer) to read the message; the "
            "status alone cannot tell the cause."
        ),
    ),
    Rule(
        name="Gateway 404 with an error type",
        code="route_not_found",
        statuses=statuses(404),
        error_types=types("NotFoundException", "ResourceNotFoundException"),
        analyze=analyze_missing_route,
        cause="API Gateway found no resource for {route} {in_stage}. {where}",
        fix=ROUTE_FIX,
    ),
    Rule(
        name="Any other 5xx",
        code="server_error",
        statuses=ALL_5XX,
        analyze=analyze_client_error,
        cause=(
            "The backend answered HTTP {status}{backend_said}; this is not one of the gateway's "
            "own error responses."
        ),
        fix=(
            "Check the backend's logs for request {request_id}. Retry only if the operation is "
            "idempotent."
        ),
    ),
    Rule(
        name="Any other 4xx: the backend's own answer",
        code="client_error",
        statuses=ALL_4XX,
        analyze=analyze_client_error,
        cause=(
            "The backend answered HTTP {status} itself{backend_said}: the answer carries none of "
            "API Gateway's error markers, so the signature and the IAM checks passed. The body "
            "is in error.details['body']."
        ),
        fix=(
            "Read the backend's message: it rejected the request's content or state, not its "
            "authentication."
        ),
    ),
)
