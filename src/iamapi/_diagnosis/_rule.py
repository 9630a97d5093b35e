"""One row of the diagnosis table (:class:`Rule`), and the helpers its filters are written with."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Optional

from iamapi._diagnosis._codes import CODES
from iamapi._diagnosis._facts import Facts
from iamapi._diagnosis._regex import Regex
from iamapi._exceptions import GatewayError

__all__ = [
    "ALL_4XX",
    "ALL_5XX",
    "Analysis",
    "Analyzer",
    "Rule",
    "kinds",
    "statuses",
    "types",
]

# What an analyzer returns: template values for the cause and fix, and the error's details.
Analysis = tuple[dict[str, str], dict[str, Any]]
Analyzer = Callable[[Facts, Optional["re.Match[str]"]], Analysis]


@dataclass(frozen=True, eq=False)
class Rule:
    """One row of the diagnosis table.

    A rule matches when every filter that is set passes (``kinds``, ``statuses``,
    ``signed``, ``when``) and, if it has ``error_types`` or a ``pattern``, the
    ``x-amzn-ErrorType`` is one of them or the message matches. When the status
    is unknown (a logged body), a status filter passes only for rules that also
    match on the error type or the message.
    """

    name: str
    code: str
    cause: str
    fix: str
    cases: tuple[str, ...] = ()
    kinds: Optional[frozenset[Optional[str]]] = None
    statuses: Optional[frozenset[int]] = None
    error_types: frozenset[str] = frozenset()
    pattern: Optional[Regex] = None
    signed: Optional[bool] = None
    when: Optional[Callable[[Facts], bool]] = None
    analyze: Optional[Analyzer] = None
    examples: tuple[str, ...] = ()
    condition: str = ""  # what ``when`` checks, in words, for the docs

    @property
    def error(self) -> type[GatewayError]:
        """The exception class this rule raises (from :data:`CODES`)."""
        return CODES[self.code][0]

    def match(self, facts: Facts) -> tuple[bool, Optional[re.Match[str]]]:
        """Whether the rule applies to ``facts``, and the message match if any."""
        if self.kinds is not None and facts.kind not in self.kinds:
            return False, None
        has_signal = bool(self.error_types) or self.pattern is not None
        if self.statuses is not None:
            if facts.match_status is None:
                if not has_signal:
                    return False, None
            elif facts.match_status not in self.statuses:
                return False, None
        if self.signed is not None and facts.signed != self.signed:
            return False, None
        if self.when is not None and not self.when(facts):
            return False, None
        if not has_signal:
            return True, None
        found = None
        if self.pattern is not None and facts.message is not None:
            found = self.pattern.search(facts.message)
        if found is not None:
            return True, found
        if facts.error_type is not None and facts.error_type in self.error_types:
            return True, None
        return False, None


def kinds(*names: Optional[str]) -> frozenset[Optional[str]]:
    """The API kinds a rule applies to; ``None`` stands for "kind not known"."""
    return frozenset(names)


def statuses(*codes: int) -> frozenset[int]:
    """The HTTP statuses a rule applies to."""
    return frozenset(codes)


def types(*names: str) -> frozenset[str]:
    """The ``x-amzn-ErrorType`` values a rule answers."""
    return frozenset(names)


ALL_4XX = frozenset(range(400, 500))
ALL_5XX = frozenset(range(500, 1000))
