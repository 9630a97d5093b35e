"""Answers the backend gave itself, past authentication and IAM: its status and its words."""

from __future__ import annotations

import re
from typing import Any, Optional

from iamapi._diagnosis._answer import backend_message
from iamapi._diagnosis._facts import Facts
from iamapi._diagnosis._rule import Analysis

__all__ = ["analyze_client_error"]


def analyze_client_error(f: Facts, m: Optional[re.Match[str]]) -> Analysis:
    said = f.message if f.message is not None else backend_message(f.body_json)
    details: dict[str, Any] = {"body": f.body}
    if f.body_json is not None:
        details["json"] = f.body_json
    quoted = f' ("{said.strip().splitlines()[0][:200]}")' if said and said.strip() else ""
    return {"backend_said": quoted}, details
