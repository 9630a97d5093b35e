"""Resource-policy evaluation: the subset of IAM that API Gateway resource policies use.

A policy is ``{"Statement": [...]}`` (a single statement dict is accepted too);
each statement has ``Effect`` (``Allow``/``Deny``), ``Action`` and ``Resource``
(a string or a list of strings) and ``Principal`` (``"*"``, an ARN, a list, or
``{"AWS": ...}``). A statement without ``Principal`` applies to every caller.

Matching follows IAM: in ``Action`` and ``Resource`` a ``*`` matches any run
of characters (``/`` included) and ``?`` one character; actions compare
case-insensitively. A principal that is an account id or
``arn:aws:iam::<account>:root`` matches every caller of that account, and a
role ARN matches the sessions of that role (``arn:aws:sts::...:assumed-role/...``).

An explicit ``Deny`` wins over any ``Allow``; without an ``Allow`` the call is
denied. Keys that would change the outcome and are not implemented
(``Condition``, ``NotAction``, ``NotPrincipal``, ``NotResource``) are refused
when the gateway is built, never silently ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal, Optional

__all__ = ["Decision", "ResourcePolicy"]

Decision = Literal["allow", "implicit_deny", "explicit_deny"]

_UNSUPPORTED = ("Condition", "NotAction", "NotPrincipal", "NotResource")
_KNOWN = frozenset({"Sid", "Effect", "Principal", "Action", "Resource", *_UNSUPPORTED})
_ACCOUNT_ROOT = re.compile(r"(?P<bare>\d{12})|arn:[^:]+:iam::(?P<account>\d{12}):root")
_ASSUMED_ROLE = re.compile(
    r"^arn:(?P<partition>[^:]+):sts::(?P<account>\d+):assumed-role/(?P<role>[^/]+)/"
)


@lru_cache(maxsize=512)
def _pattern(text: str, ignore_case: bool) -> re.Pattern[str]:
    regex = "".join(
        ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in text
    )
    return re.compile(regex, re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def _matches(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    return _pattern(pattern, ignore_case).fullmatch(value) is not None


def _strings(value: Any, what: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Sequence) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ValueError(f"policy {what} must be a string or a list of strings, got {value!r}")


@dataclass(frozen=True)
class _Statement:
    deny: bool
    principals: Optional[tuple[str, ...]]  # None: every caller
    actions: tuple[str, ...]
    resources: tuple[str, ...]


def _principal_matches(pattern: str, caller: str) -> bool:
    if pattern == "*" or _matches(pattern, caller):
        return True
    fields = caller.split(":")
    caller_account = fields[4] if len(fields) > 5 else ""
    root = _ACCOUNT_ROOT.fullmatch(pattern)
    if root is not None:
        return caller_account != "" and caller_account == (root["account"] or root["bare"])
    role = _ASSUMED_ROLE.match(caller)
    if role is not None:
        role_arn = f"arn:{role['partition']}:iam::{role['account']}:role/{role['role']}"
        return _matches(pattern, role_arn)
    return False


class ResourcePolicy:
    """A parsed resource policy, checked when the gateway is built."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        if not isinstance(document, Mapping):
            raise TypeError("policy must be a dict with a 'Statement' key")
        raw = document.get("Statement")
        if isinstance(raw, Mapping):
            raw = [raw]
        if not isinstance(raw, Sequence) or isinstance(raw, str) or not raw:
            raise ValueError("policy needs a non-empty 'Statement' list")
        self.document = document
        self._statements = tuple(self._statement(item) for item in raw)

    @staticmethod
    def _statement(item: Any) -> _Statement:
        if not isinstance(item, Mapping):
            raise ValueError(f"policy statement must be a dict, got {item!r}")
        unknown = sorted(set(item) - _KNOWN)
        if unknown:
            raise ValueError(f"unknown policy statement key(s): {', '.join(unknown)}")
        unsupported = [key for key in _UNSUPPORTED if key in item]
        if unsupported:
            raise ValueError(
                f"the emulator does not evaluate {', '.join(unsupported)}; "
                "write the statement without it"
            )
        effect = item.get("Effect")
        if effect not in ("Allow", "Deny"):
            raise ValueError(f"policy Effect must be 'Allow' or 'Deny', got {effect!r}")
        principals: Optional[tuple[str, ...]] = None
        if "Principal" in item:
            value = item["Principal"]
            if isinstance(value, Mapping):
                if set(value) != {"AWS"}:
                    raise ValueError("only {'AWS': ...} principals are supported")
                value = value["AWS"]
            principals = _strings(value, "Principal")
            if "*" in principals:
                principals = None
        return _Statement(
            deny=effect == "Deny",
            principals=principals,
            actions=_strings(item.get("Action"), "Action"),
            resources=_strings(item.get("Resource"), "Resource"),
        )

    def evaluate(self, *, caller_arn: str, action: str, resource: str) -> Decision:
        """Decide whether ``caller_arn`` may perform ``action`` on ``resource``."""
        allowed = False
        for statement in self._statements:
            if statement.principals is not None and not any(
                _principal_matches(p, caller_arn) for p in statement.principals
            ):
                continue
            if not any(_matches(a, action, ignore_case=True) for a in statement.actions):
                continue
            if not any(_matches(r, resource) for r in statement.resources):
                continue
            if statement.deny:
                return "explicit_deny"
            allowed = True
        return "allow" if allowed else "implicit_deny"
