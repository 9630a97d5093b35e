"""Writing to the terminal: redaction of every line, optional colour, wrapping, error text.

Every line the CLI prints goes through :class:`Console`, which masks secrets
with :func:`iamapi._redaction.redact_text` (signatures, tokens, access key ids,
and the literal secrets the command registers once it knows them). Colour is
used only when the stream is a terminal, ``NO_COLOR`` is unset and ``TERM`` is
not ``dumb``. The one deliberate exception, :meth:`Console.verbatim`, prints
the emulator's own demo credentials.
"""

from __future__ import annotations

import os
import shutil
import textwrap
from typing import TYPE_CHECKING, Optional, TextIO

from iamapi._redaction import redact_text

if TYPE_CHECKING:
    from iamapi._exceptions import GatewayError

__all__ = ["Console", "UsageError", "error_parts"]

_COLOURS = {"green": "32", "red": "31", "yellow": "33", "dim": "2", "bold": "1"}
_MAX_WIDTH = 100


class UsageError(Exception):
    """A command line that cannot run as written (exit status 2)."""


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class Console:
    """One output stream, with the secrets to mask in everything written to it."""

    def __init__(self, stream: TextIO, secrets: Optional[set[str]] = None) -> None:
        self.stream = stream
        self.secrets: set[str] = secrets if secrets is not None else set()
        terminal = _is_terminal(stream)
        self.colour = (
            terminal and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
        )
        columns = shutil.get_terminal_size((_MAX_WIDTH, 24)).columns if terminal else _MAX_WIDTH
        self.width = max(40, min(columns, _MAX_WIDTH))
        self.terminal = terminal

    def redact(self, text: str) -> str:
        """``text`` with every known secret and credential pattern masked."""
        return redact_text(text, self.secrets)

    def line(self, text: str = "") -> None:
        """Write one (possibly multi-line) text, masked, with a newline."""
        self.stream.write(self.redact(text) + "\n")
        self.stream.flush()

    def verbatim(self, text: str) -> None:
        """Write ``text`` unmasked: only for values that are meant to be shown."""
        self.stream.write(text + "\n")
        self.stream.flush()

    def paint(self, text: str, colour: str) -> str:
        """``text`` in ``colour`` on a terminal, unchanged elsewhere."""
        if not self.colour:
            return text
        return f"\033[{_COLOURS[colour]}m{text}\033[0m"

    def wrap(self, text: str, indent: str = "", first: Optional[str] = None) -> str:
        """``text`` wrapped to the stream's width; ``first`` starts the first line."""
        lead = indent if first is None else first
        return textwrap.fill(
            " ".join(text.split()),
            width=self.width,
            initial_indent=lead,
            subsequent_indent=indent,
            break_long_words=False,
            break_on_hyphens=False,
        )


def error_parts(error: GatewayError) -> list[tuple[str, str]]:
    """A gateway error as (label, text) paragraphs: the headline, the cause, the fix."""
    text = str(error)
    marker = f". Cause: {error.cause}"
    head = text[: text.index(marker)] if error.cause and marker in text else text
    parts = [("", head.rstrip("."))]
    if error.cause and marker in text:
        parts += [("Cause:", error.cause), ("Fix:", error.fix)]
    return parts
