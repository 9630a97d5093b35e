"""Fixtures for client tests: scripted loopback servers."""

from __future__ import annotations

from support.scripted import other_scripted, scripted

__all__ = ["other_scripted", "scripted"]
