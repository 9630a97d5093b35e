"""The table's middle rows: who may call what, and whether it exists.

Function URL and IAM refusals, authorizer denials, missing routes and missing
signatures (API Gateway gives both the same answer), HTTP API Forbidden and
Not Found, API keys, a bare Forbidden, CloudFront, and an authorizer's 401.
"""

from __future__ import annotations

import re

from iamapi._diagnosis._access import (
    analyze_access,
    analyze_authorizer,
    analyze_forbidden,
    analyze_http_forbidden,
    analyze_lambda_url,
)
from iamapi._diagnosis._authorization import analyze_unauthorized
from iamapi._diagnosis._regex import Regex
from iamapi._diagnosis._routes import analyze_missing_route, analyze_no_method, analyze_route
from iamapi._diagnosis._rule import Rule, kinds, statuses, types

__all__ = ["ACCESS_RULES", "ROUTE_FIX"]

_REST_LIKE = kinds("rest", "websocket", None)
_MISSING_TOKEN = Regex(r"(?i)missing authentication token")

ROUTE_FIX = (
    "Compare {route} with the routes deployed to stage '{stage}' "
    "(`aws apigateway get-resources --rest-api-id {api_id}`), fix the path or the verb, and "
    "if the route is new, deploy it: "
    "`aws apigateway create-deployment --rest-api-id {api_id} --stage-name {stage}`."
)
_IAM_SIGN_FIX = (
    "Sign the request with SigV4 for service 'execute-api' in region {region}: send it "
    "through IamApiClient, which signs every request. If you already sign, check that no proxy "
    "or redirect drops the Authorization header."
)
_FORBIDDEN_CAUSE = (
    "API Gateway answered a bare Forbidden, which has several causes; most likely first: "
    "{candidates}."
)
_FORBIDDEN_FIX = (
    "Check the stage name first (`aws apigateway get-stages --rest-api-id {api_id}`: spelling "
    "and case must match '{stage}'); then the API key and its usage plan, the WAF web ACL's "
    "sampled requests, and the API's endpoint type."
)
_ACCESS_CAUSE = "No policy allows {who} to call {action} on {resource_arn}.{notes}"
_ACCESS_FIX = (
    "{allow_where}: `{policy_json}`. If the API has a resource policy it must allow the caller "
    "too (for a caller from another account both must), and a REST API must be redeployed "
    "after its resource policy changes."
)
_DENY_CAUSE = (
    "An explicit Deny stops {who} from calling {action} on {resource_arn}, whatever any Allow "
    "says.{notes}"
)
_DENY_FIX = (
    "An Allow will not help: find the Deny. Look first in the API's resource policy "
    "(`aws apigateway get-rest-api --rest-api-id {api_id} --query policy`), usually a condition "
    "on aws:SourceIp, aws:SourceVpce or aws:SourceVpc that the call does not meet; then in your "
    "identity's policies, permission boundary, session policy and the organisation's SCPs."
)
_URL_CAUSE = (
    "The function URL's authorization refused the call before the function ran. {first}; with "
    "AuthType NONE the resource-based policy must allow both actions for principal '*'."
)
_URL_FIX = (
    "Allow both lambda:InvokeFunctionUrl and lambda:InvokeFunction: add `{url_policy_json}` to "
    "your identity's policy (AuthType AWS_IAM), or the equivalent statement to the function's "
    "resource-based policy (`aws lambda get-policy --function-name <function-name>` shows it)."
)

ACCESS_RULES: tuple[Rule, ...] = (
    Rule(
        name="Lambda function URL: Forbidden on an unsigned request",
        code="missing_signature",
        cases=("lambda-url-forbidden",),
        kinds=kinds("lambda_url"),
        statuses=statuses(403),
        error_types=types("AccessDeniedException"),
        pattern=Regex(r"^Forbidden"),
        signed=False,
        analyze=analyze_lambda_url,
        cause=(
            "The request carried no SigV4 signature and the function URL refused it before the "
            "function ran. With AuthType AWS_IAM every call must be signed; with AuthType NONE "
            "the function's resource-based policy must allow lambda:InvokeFunctionUrl and (for "
            "URLs created since October 2025) lambda:InvokeFunction for principal '*'."
        ),
        fix=(
            "Sign the request for service 'lambda' in region {region}: send it through "
            "IamApiClient. If the URL is meant to be public (AuthType NONE), add both actions "
            "for principal '*' to the function's resource-based policy instead."
        ),
        examples=(
            "Forbidden. For troubleshooting Function URL authorization issues, see: "
            "https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html",
        ),
    ),
    Rule(
        name="Lambda function URL: Forbidden",
        code="access_denied",
        cases=("lambda-url-forbidden",),
        pattern=Regex(r"^Forbidden\. For troubleshooting Function URL"),
        analyze=analyze_lambda_url,
        cause=_URL_CAUSE,
        fix=_URL_FIX,
        examples=(
            "Forbidden. For troubleshooting Function URL authorization issues, see: "
            "https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html",
        ),
    ),
    Rule(
        name="Lambda function URL: bare Forbidden or AccessDeniedException",
        code="access_denied",
        cases=("lambda-url-forbidden",),
        kinds=kinds("lambda_url"),
        statuses=statuses(403),
        error_types=types("AccessDeniedException"),
        pattern=Regex(r"^Forbidden"),
        analyze=analyze_lambda_url,
        cause=_URL_CAUSE,
        fix=_URL_FIX,
        examples=("Forbidden",),
    ),
    Rule(
        name="IAM or resource policy: explicit deny",
        code="explicit_deny",
        cases=("iam-denied",),
        pattern=Regex(
            r"User: \S+ is not authorized to perform: \S+ on resource: \S+ with an explicit deny"
        ),
        analyze=analyze_access,
        cause=_DENY_CAUSE,
        fix=_DENY_FIX,
        examples=(
            "User: anonymous is not authorized to perform: execute-api:Invoke on resource: "
            "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/pets with an explicit "
            "deny",
        ),
    ),
    Rule(
        name="IAM or resource policy: no Allow",
        code="access_denied",
        cases=("iam-denied",),
        pattern=Regex(r"User: \S+ is not authorized to perform: \S+ on resource"),
        analyze=analyze_access,
        cause=_ACCESS_CAUSE,
        fix=_ACCESS_FIX,
        examples=(
            "User: arn:aws:sts::123456789012:assumed-role/Caller/session is not authorized to "
            "perform: execute-api:Invoke on resource: "
            "arn:aws:execute-api:us-east-1:123456789012:abc123/prod/GET/pets",
            "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: "
            "execute-api:Invoke on resource: arn:aws:execute-api:us-east-1:123456789012:"
            "abc123/prod/GET/pets because no identity-based policy allows the "
            "execute-api:Invoke action",
        ),
    ),
    Rule(
        name="Lambda or Cognito authorizer: explicit deny",
        code="explicit_deny",
        cases=("authorizer-deny",),
        pattern=Regex(r"^User is not authorized to access this resource with an explicit deny"),
        analyze=analyze_authorizer,
        cause=(
            "The Lambda or Cognito authorizer returned a policy with an explicit Deny for "
            "{route}. This is not IAM: your SigV4 signature was not what was checked."
        ),
        fix=(
            "An Allow elsewhere will not help: change the authorizer so it does not return Deny "
            "for this caller and {method_arn}. With authorizer caching on, a policy computed for "
            "one method is reused for the next calls, so return one that covers every route "
            "({wide_arn}), or turn caching off."
        ),
        examples=(
            "User is not authorized to access this resource with an explicit deny",
            "User is not authorized to access this resource with an explicit deny in an "
            "identity-based policy",
        ),
    ),
    Rule(
        name="Lambda or Cognito authorizer: no Allow",
        code="access_denied",
        cases=("authorizer-deny",),
        pattern=Regex(r"^User is not authorized to access this resource"),
        analyze=analyze_authorizer,
        cause=(
            "The Lambda or Cognito authorizer did not allow {route}. This is not IAM: your SigV4 "
            "signature was not what was checked."
        ),
        fix=(
            "Make the authorizer return an Allow for {method_arn}. With authorizer caching on, a "
            "policy computed for one method is reused for the next calls, so return one that "
            "covers every route ({wide_arn}), or turn caching off."
        ),
        examples=("User is not authorized to access this resource",),
    ),
    Rule(
        name="Signed call to an undefined route",
        code="route_not_found",
        cases=("route-signed",),
        pattern=Regex(
            r"No method found matching route (?P<route>.+?) for http method (?P<verb>\w+)"
        ),
        analyze=analyze_no_method,
        cause=(
            "The gateway has no method for {matched} {in_stage}. Through a custom domain the "
            "stage is implied: leave it out of the path (also for @connections calls)."
        ),
        fix=ROUTE_FIX,
        examples=("No method found matching route pets/dogs for http method GET.",),
    ),
    Rule(
        name="Missing Authentication Token on a signed request",
        code="route_not_found",
        cases=("missing-token",),
        error_types=types("MissingAuthenticationTokenException"),
        pattern=_MISSING_TOKEN,
        signed=True,
        analyze=analyze_missing_route,
        cause=(
            "You signed the request, so the signature is not what is missing: API Gateway sends "
            "this same answer when no resource and method match {route} {in_stage}. Most likely "
            "the path or the verb is wrong (paths are case-sensitive; a '#' in the URL cuts the "
            "path), or the route was added after the last deployment. {where} Less likely, a "
            "proxy stripped your Authorization header."
        ),
        fix=ROUTE_FIX,
        examples=("Missing Authentication Token",),
    ),
    Rule(
        name="Missing Authentication Token on an unsigned request",
        code="missing_signature",
        cases=("missing-token",),
        error_types=types("MissingAuthenticationTokenException"),
        pattern=_MISSING_TOKEN,
        signed=False,
        analyze=analyze_missing_route,
        cause=(
            "The request carried no SigV4 signature (no Authorization header, no X-Amz-Signature "
            "query parameter) and {route} uses AWS_IAM authorization. The same answer also means "
            "no route matches {route} {in_stage}: if signing does not fix it, check the path and "
            "verb."
        ),
        fix=_IAM_SIGN_FIX,
        examples=("Missing Authentication Token",),
    ),
    Rule(
        name="HTTP API: Forbidden on a signed request",
        code="access_denied",
        cases=("forbidden-http",),
        kinds=kinds("http"),
        statuses=statuses(403),
        pattern=Regex(r"^Forbidden$"),
        signed=True,
        analyze=analyze_http_forbidden,
        cause=(
            "HTTP APIs answer IAM denials with a bare Forbidden: your signature was valid, but "
            "no policy of your identity allows {action} on {resource_arn}. (If the route uses a "
            "Lambda authorizer instead of IAM, that authorizer said no.)"
        ),
        fix=(
            "Allow the call in your identity's IAM policy: `{policy_json}`. HTTP APIs have no "
            "resource policies, so the identity policy, its permission boundary and any SCP are "
            "the places to look."
        ),
        examples=("Forbidden",),
    ),
    Rule(
        name="HTTP API: Forbidden on an unsigned request",
        code="missing_signature",
        cases=("forbidden-http",),
        kinds=kinds("http"),
        statuses=statuses(403),
        pattern=Regex(r"^Forbidden$"),
        signed=False,
        cause=(
            "The request carried no SigV4 signature and {route} uses IAM authorization; HTTP "
            "APIs answer that with a bare Forbidden."
        ),
        fix=_IAM_SIGN_FIX,
        examples=("Forbidden",),
    ),
    Rule(
        name="HTTP API: Not Found",
        code="route_not_found",
        cases=("not-found-http",),
        kinds=kinds("http"),
        statuses=statuses(404),
        pattern=Regex(r"^Not Found$"),
        analyze=analyze_route,
        cause=(
            "No route of the HTTP API matches {route}: either the first path segment is not a "
            "stage (and the API has no $default stage), or no route (nor a {proxy+} or $default "
            "route) is defined for this path and verb. An API whose default execute-api "
            "endpoint is disabled answers 404 to everything."
        ),
        fix=(
            "List the routes and stages (`aws apigatewayv2 get-routes --api-id {api_id}`, "
            "`aws apigatewayv2 get-stages --api-id {api_id}`) and fix the path; if the stage "
            "does not auto-deploy, deploy the latest changes."
        ),
        examples=("Not Found",),
    ),
    Rule(
        name="REST API: Forbidden when an API key was sent",
        code="api_key",
        cases=("api-key",),
        kinds=_REST_LIKE,
        statuses=statuses(403),
        error_types=types("ForbiddenException"),
        pattern=Regex(r"^Forbidden$"),
        when=lambda f: f.api_key_sent,
        condition="the request carried an x-api-key header",
        analyze=analyze_route,
        cause=(
            "You sent an x-api-key header and the gateway answered a bare Forbidden: most likely "
            "the key is wrong or disabled, or no usage plan links it to stage '{stage}' of API "
            "{api_id}. Less likely: the stage name is wrong, or a WAF rule blocked the request."
        ),
        fix=(
            "Check that the key is enabled (`aws apigateway get-api-keys --include-values`) and "
            "that a usage plan attached to {api_id}/{stage} contains it (`aws apigateway "
            "get-usage-plans --key-id <key-id>`); the API's key source must be HEADER for "
            "x-api-key to count."
        ),
        examples=("Forbidden",),
    ),
    Rule(
        name="REST API: bare Forbidden",
        code="forbidden",
        cases=("forbidden-stage", "api-key"),
        kinds=_REST_LIKE,
        statuses=statuses(403),
        error_types=types("ForbiddenException"),
        pattern=Regex(r"^Forbidden$"),
        analyze=analyze_forbidden,
        cause=_FORBIDDEN_CAUSE,
        fix=_FORBIDDEN_FIX,
        examples=("Forbidden",),
    ),
    Rule(
        name="CloudFront error page in front of an edge-optimized API",
        code="forbidden",
        statuses=statuses(403),
        pattern=Regex(r"could not be satisfied", re.IGNORECASE),
        cause=(
            "CloudFront, in front of the edge-optimized API, refused the request before API "
            "Gateway saw it: most often a GET or HEAD with a body; otherwise a CloudFront "
            "or WAF rule."
        ),
        fix=(
            "Send GET and HEAD without a body (put the parameters in the query), or use a "
            "regional endpoint."
        ),
        examples=("ERROR: The request could not be satisfied",),
    ),
    Rule(
        name="Access denied (error type only)",
        code="access_denied",
        cases=("iam-denied",),
        error_types=types("AccessDeniedException"),
        analyze=analyze_access,
        cause=_ACCESS_CAUSE,
        fix=_ACCESS_FIX,
    ),
    Rule(
        name="Authorizer: Unauthorized",
        code="wrong_auth_scheme",
        cases=("unauthorized",),
        statuses=statuses(401),
        error_types=types("UnauthorizedException"),
        pattern=Regex(r"^Unauthorized$"),
        analyze=analyze_unauthorized,
        cause=(
            "{route} is protected by a Lambda, Cognito or JWT authorizer, not by IAM, and it "
            "rejected the identity it read from the request: the token is missing, expired, or "
            "has the wrong issuer, audience or scope{said}. A SigV4 signature does not satisfy "
            "such an authorizer, and it takes the Authorization header the authorizer usually "
            "reads."
        ),
        fix=(
            "Either switch the route's authorization to AWS_IAM, or send the token the "
            "authorizer expects, in the header its identity source names."
        ),
        examples=("Unauthorized",),
    ),
)
