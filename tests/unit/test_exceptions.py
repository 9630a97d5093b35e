"""The exception tree: catch-by-intent bases, pickling, and messages free of secrets."""

from __future__ import annotations

import inspect
import pickle

import pytest

import iamapi
from iamapi import _exceptions

TOKEN = "IQoJb3JpZ2luX2VjEXAMPLETOKENVALUE0123456789"
SIGNATURE = "5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"


def _all_error_classes() -> list[type[iamapi.IamApiError]]:
    return [
        obj
        for _, obj in inspect.getmembers(_exceptions, inspect.isclass)
        if issubclass(obj, iamapi.IamApiError)
    ]


def test_every_error_is_exported_and_under_the_root() -> None:
    for cls in _all_error_classes():
        assert getattr(iamapi, cls.__name__) is cls
        assert issubclass(cls, iamapi.IamApiError)


def test_configuration_errors_are_value_errors() -> None:
    for cls in (
        iamapi.InvalidURLError,
        iamapi.ForeignHostError,
        iamapi.InsecureURLError,
        iamapi.RegionNotFoundError,
        iamapi.InvalidHeaderError,
        iamapi.UnsignableBodyError,
    ):
        assert issubclass(cls, ValueError)
        assert issubclass(cls, iamapi.ConfigurationError)


def test_the_tree_is_drawn_in_the_module_docstring() -> None:
    doc = _exceptions.__doc__ or ""
    for cls in _all_error_classes():
        assert cls.__name__ in doc


def _gateway_error(cls: type[iamapi.GatewayError]) -> iamapi.GatewayError:
    return cls(
        code="signature_mismatch",
        status=403,
        message="The request signature we calculated does not match",
        cause=f"a header changed: x-amz-security-token:{TOKEN}",
        fix=f"re-sign; Signature={SIGNATURE}",
        request_id="c0ffee00-0000-4000-8000-000000000000",
        apigw_id="Ab12Cd34=",
        error_type="InvalidSignatureException",
        method="GET",
        url="https://abc.execute-api.us-east-1.amazonaws.com/prod/pets?x=1",
        details={"caller_arn": "arn:aws:iam::123456789012:user/alice"},
    )


@pytest.mark.parametrize(
    "cls",
    [c for c in _all_error_classes() if issubclass(c, iamapi.GatewayError)],
    ids=lambda c: c.__name__,
)
def test_gateway_errors_pickle_with_their_fields(cls: type[iamapi.GatewayError]) -> None:
    error = _gateway_error(cls)
    error.history = (iamapi.Attempt(1, "503", 0.01, 0.1),)
    clone = pickle.loads(pickle.dumps(error))
    assert type(clone) is cls
    assert str(clone) == str(error)
    for field in ("code", "status", "message", "cause", "fix", "request_id", "apigw_id"):
        assert getattr(clone, field) == getattr(error, field)
    assert clone.history == error.history
    assert clone.details == error.details
    assert clone.response is None


def test_other_errors_pickle() -> None:
    for error in (
        iamapi.NoCredentialsError("none", tried=["env", "iam-role"]),
        iamapi.RedirectError("away", location="https://elsewhere.example/", status=302),
        iamapi.ConnectError("refused", method="GET", url="https://h/x"),
        iamapi.InvalidHeaderError("bad"),
    ):
        clone = pickle.loads(pickle.dumps(error))
        assert type(clone) is type(error)
        assert str(clone) == str(error)
        assert clone.__dict__ == error.__dict__


def test_str_is_one_paragraph_without_secrets() -> None:
    error = _gateway_error(iamapi.AuthenticationError)
    text = str(error)
    assert "\n" not in text
    assert TOKEN not in text
    assert SIGNATURE not in text
    assert text.startswith("HTTP 403 [signature_mismatch]")
    assert "GET /prod/pets?x=1" in text
    assert "c0ffee00-0000-4000-8000-000000000000" in text
    assert TOKEN not in repr(error)


def test_access_denied_accessors() -> None:
    error = iamapi.AccessDeniedError(
        code="access_denied",
        status=403,
        message="User: x is not authorized",
        cause="c",
        fix="f",
        details={
            "caller_arn": "arn:aws:iam::1:user/a",
            "action": "execute-api:Invoke",
            "resource_arn": "arn:aws:execute-api:us-east-1:1:abc/prod/GET/pets",
            "policy": {"Effect": "Allow"},
        },
    )
    assert error.caller_arn == "arn:aws:iam::1:user/a"
    assert error.action == "execute-api:Invoke"
    assert error.resource_arn == "arn:aws:execute-api:us-east-1:1:abc/prod/GET/pets"
    assert error.policy == {"Effect": "Allow"}
