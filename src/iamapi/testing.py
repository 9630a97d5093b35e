"""Test helpers for users of iamapi, also loaded as a pytest plugin (entry point ``pytest11``)."""

from __future__ import annotations

__all__: list[str] = []
