"""Regular expressions compiled on first use, so that importing the diagnosis stays cheap."""

from __future__ import annotations

import re
from typing import Callable, Optional, Union

__all__ = ["Regex"]


class Regex:
    """A regular expression compiled on first use, so that importing the module stays cheap."""

    __slots__ = ("_compiled", "flags", "pattern")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self.flags = flags
        self._compiled: Optional[re.Pattern[str]] = None

    def __repr__(self) -> str:
        return f"Regex({self.pattern!r})"

    @property
    def compiled(self) -> re.Pattern[str]:
        """The compiled expression."""
        if self._compiled is None:
            self._compiled = re.compile(self.pattern, self.flags)
        return self._compiled

    def search(self, text: str) -> Optional[re.Match[str]]:
        return self.compiled.search(text)

    def match(self, text: str) -> Optional[re.Match[str]]:
        return self.compiled.match(text)

    def sub(self, replacement: Union[str, Callable[[re.Match[str]], str]], text: str) -> str:
        return self.compiled.sub(replacement, text)
