"""The one table: :data:`RULES`, tried in order, the first rule that matches wins.

The rows are kept in three modules, in the order they are tried: the SigV4
signature first (:mod:`._table_signature`), then who may call what
(:mod:`._table_access`), then everything past authentication and the
catch-alls (:mod:`._table_backend`). :data:`UNKNOWN` answers what no rule
matches: an answer without a status whose message the gateway does not send.
"""

from __future__ import annotations

import re
from typing import Optional

from iamapi._diagnosis._backend import analyze_client_error
from iamapi._diagnosis._facts import Facts
from iamapi._diagnosis._rule import Rule
from iamapi._diagnosis._table_access import ACCESS_RULES
from iamapi._diagnosis._table_backend import BACKEND_RULES
from iamapi._diagnosis._table_signature import SIGNATURE_RULES

__all__ = ["RULES", "UNKNOWN", "select"]

RULES: tuple[Rule, ...] = (*SIGNATURE_RULES, *ACCESS_RULES, *BACKEND_RULES)

UNKNOWN = Rule(
    name="No status and no message the gateway is known to send",
    code="client_error",
    analyze=analyze_client_error,
    cause=(
        "There is no status code and the message{backend_said} is not one API Gateway or a "
        "function URL sends, so it most likely came from the backend."
    ),
    fix="Look up the status code and the backend's logs to tell more.",
)


def select(facts: Facts) -> tuple[Rule, Optional[re.Match[str]]]:
    """The first rule that matches the facts, and its message match if any."""
    for rule in RULES:
        matched, found = rule.match(facts)
        if matched:
            return rule, found
    return UNKNOWN, None
