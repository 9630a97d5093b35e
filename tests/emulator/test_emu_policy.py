"""Resource-policy evaluation: wildcards, principals, explicit deny, refused keys."""

from __future__ import annotations

from typing import Any

import pytest

from iamapi.emulator import Gateway
from iamapi.emulator._policy import ResourcePolicy

ARN = "arn:aws:execute-api:us-east-1:123456789012:api1/prod"
ALICE = "arn:aws:iam::123456789012:user/alice"
ROLE_SESSION = "arn:aws:sts::123456789012:assumed-role/app-role/session-7"
OUTSIDER = "arn:aws:iam::999999999999:user/mallory"


def statement(effect: str = "Allow", **fields: Any) -> dict[str, Any]:
    return {
        "Effect": effect,
        "Principal": fields.pop("Principal", "*"),
        "Action": fields.pop("Action", "execute-api:Invoke"),
        "Resource": fields.pop("Resource", f"{ARN}/*"),
        **fields,
    }


def decide(policy: dict[str, Any], caller: str = ALICE, resource: str = f"{ARN}/GET/pets") -> str:
    return ResourcePolicy(policy).evaluate(
        caller_arn=caller, action="execute-api:Invoke", resource=resource
    )


@pytest.mark.parametrize(
    ("pattern", "resource", "expected"),
    [
        (f"{ARN}/GET/pets", f"{ARN}/GET/pets", "allow"),
        (f"{ARN}/GET/pets", f"{ARN}/GET/pets/1", "implicit_deny"),
        (f"{ARN}/GET/*", f"{ARN}/GET/pets/1/toys", "allow"),  # * crosses slashes
        (f"{ARN}/*/pets", f"{ARN}/DELETE/pets", "allow"),
        (f"{ARN}/*/pets", f"{ARN}/DELETE/pets/1", "implicit_deny"),
        (f"{ARN}/GET/pets/?", f"{ARN}/GET/pets/7", "allow"),
        (f"{ARN}/GET/pets/?", f"{ARN}/GET/pets/17", "implicit_deny"),
        ("arn:aws:execute-api:*:*:*", f"{ARN}/GET/x", "allow"),
        ("*", f"{ARN}/GET/x", "allow"),
        (f"{ARN}/get/pets", f"{ARN}/GET/pets", "implicit_deny"),  # resources are case-sensitive
        (
            "arn:aws:execute-api:us-east-1:123456789012:api1/prod/GET/a.b",
            f"{ARN}/GET/aXb",
            "implicit_deny",
        ),
    ],
)
def test_resource_wildcards(pattern: str, resource: str, expected: str) -> None:
    assert decide({"Statement": [statement(Resource=pattern)]}, resource=resource) == expected


@pytest.mark.parametrize(
    ("principal", "caller", "expected"),
    [
        ("*", OUTSIDER, "allow"),
        ({"AWS": "*"}, OUTSIDER, "allow"),
        (ALICE, ALICE, "allow"),
        ({"AWS": [OUTSIDER, ALICE]}, ALICE, "allow"),
        (ALICE, OUTSIDER, "implicit_deny"),
        ("123456789012", ALICE, "allow"),
        ({"AWS": "arn:aws:iam::123456789012:root"}, ROLE_SESSION, "allow"),
        ({"AWS": "arn:aws:iam::123456789012:root"}, OUTSIDER, "implicit_deny"),
        ("arn:aws:iam::123456789012:role/app-role", ROLE_SESSION, "allow"),
        ("arn:aws:iam::123456789012:role/other-role", ROLE_SESSION, "implicit_deny"),
    ],
)
def test_principals(principal: Any, caller: str, expected: str) -> None:
    assert decide({"Statement": [statement(Principal=principal)]}, caller=caller) == expected


def test_statement_without_principal_applies_to_everyone() -> None:
    policy = {"Statement": {"Effect": "Allow", "Action": "execute-api:*", "Resource": "*"}}
    assert decide(policy, caller=OUTSIDER) == "allow"


def test_actions_match_case_insensitively() -> None:
    assert decide({"Statement": [statement(Action="EXECUTE-API:invoke")]}) == "allow"
    assert decide({"Statement": [statement(Action=["s3:*", "execute-api:*"])]}) == "allow"
    assert decide({"Statement": [statement(Action="execute-api:ManageConnections")]}) == (
        "implicit_deny"
    )


def test_explicit_deny_wins_over_allow_in_any_order() -> None:
    allow = statement()
    deny = statement("Deny", Principal=ALICE, Resource=f"{ARN}/GET/*")
    assert decide({"Statement": [allow, deny]}) == "explicit_deny"
    assert decide({"Statement": [deny, allow]}) == "explicit_deny"
    assert decide({"Statement": [deny, allow]}, caller=OUTSIDER) == "allow"


def test_no_statement_matching_is_an_implicit_deny() -> None:
    only_bob = statement(Principal="arn:aws:iam::123456789012:user/bob")
    assert decide({"Statement": [only_bob]}) == "implicit_deny"


@pytest.mark.parametrize(
    ("policy", "error"),
    [
        ({}, "non-empty 'Statement'"),
        ({"Statement": []}, "non-empty 'Statement'"),
        ({"Statement": [statement(Condition={"IpAddress": {}})]}, "Condition"),
        ({"Statement": [statement(NotResource="x")]}, "NotResource"),
        ({"Statement": [statement("Maybe")]}, "Effect"),
        ({"Statement": [statement(Principal={"Service": "lambda.amazonaws.com"})]}, "AWS"),
        ({"Statement": [statement(Resource=7)]}, "Resource"),
        ({"Statement": [statement(Surprise=1)]}, "Surprise"),
    ],
)
def test_refused_policies(policy: dict[str, Any], error: str) -> None:
    with pytest.raises(ValueError, match=error):
        Gateway(policy=policy)


def test_gateway_resource_arns() -> None:
    rest = Gateway(region="eu-west-1", stage="v1", api_id="abc123", account_id="111122223333")
    assert rest.resource_arn("get", "/pets/1") == (
        "arn:aws:execute-api:eu-west-1:111122223333:abc123/v1/GET/pets/1"
    )
    assert (
        rest.resource_arn("GET", "/") == "arn:aws:execute-api:eu-west-1:111122223333:abc123/v1/GET/"
    )
    assert rest.action == "execute-api:Invoke"
    http = Gateway(kind="http", stage="$default")
    assert http.resource_arn("POST", "/x") == (
        "arn:aws:execute-api:us-east-1:123456789012:emulator1/$default/POST/x"
    )
    function = Gateway(kind="lambda_url", api_id="myfunc")
    assert (
        function.resource_arn("GET", "/x")
        == "arn:aws:lambda:us-east-1:123456789012:function:myfunc"
    )
    assert function.action == "lambda:InvokeFunctionUrl"
