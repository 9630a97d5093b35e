"""``docs/errors.md``, rendered from the table: one section per code, one entry per rule."""

from __future__ import annotations

from iamapi._diagnosis._authorization import analyze_malformed, problems_in
from iamapi._diagnosis._codes import CODES
from iamapi._diagnosis._placeholders import DOC_ANALYZER_VALUES, DOC_VALUES
from iamapi._diagnosis._rule import ALL_4XX, ALL_5XX, Rule
from iamapi._diagnosis._skew import SKEW_FIX_CLOCK, SKEW_FIX_STALE, analyze_skew
from iamapi._diagnosis._table import RULES, UNKNOWN
from iamapi._diagnosis._target import KIND_NAMES, KINDS
from iamapi._diagnosis._templates import fill, tidy

__all__ = ["errors_markdown"]


def _doc_finding_skew() -> tuple[str, str]:
    return (
        "The request's X-Amz-Date is more than 5 minutes away from the gateway's clock. The "
        "diagnosis reads both times from the message and reports the offset in "
        "`error.details['clock_offset']`: when the request was dated when it was signed, your "
        "clock is off by that much; when it was signed much earlier than it was sent, the "
        "signature was reused (a signed request kept at module scope, queued, or retried "
        "without re-signing); an offset of whole hours means local time was used instead of UTC",
        SKEW_FIX_CLOCK + " If the signature was reused: s" + SKEW_FIX_STALE[1:],
    )


def _escape_markdown(text: str) -> str:
    parts = text.split("`")
    for i in range(0, len(parts), 2):
        parts[i] = parts[i].replace("<", "\\<").replace("*", "\\*")
    return "`".join(parts)


def _describe_match(rule: Rule) -> str:
    bits: list[str] = []
    if rule.kinds is not None:
        named = [k for k in KINDS if k in rule.kinds]
        bits.append(
            ", ".join(KIND_NAMES[k] for k in named)
            + (" (or kind unknown)" if None in rule.kinds else "")
        )
    if rule.statuses is not None:
        if rule.statuses == ALL_4XX:
            bits.append("status 4xx")
        elif rule.statuses == ALL_5XX:
            bits.append("status 5xx")
        else:
            bits.append("status " + "/".join(str(s) for s in sorted(rule.statuses)))
    if rule.error_types:
        bits.append("x-amzn-ErrorType " + " or ".join(f"`{t}`" for t in sorted(rule.error_types)))
    if rule.signed is True:
        bits.append("request signed")
    elif rule.signed is False:
        bits.append("request not signed")
    if rule.condition:
        bits.append(rule.condition)
    return "; ".join(bits)


def errors_markdown() -> str:
    """Render ``docs/errors.md`` from :data:`RULES` and :data:`CODES`."""
    doc_values = {**DOC_VALUES, **DOC_ANALYZER_VALUES}
    skew_cause, skew_fix = _doc_finding_skew()
    out = [
        "# Error codes",
        "",
        "Every error answer is raised as a `GatewayError` subclass with a stable `code`, the "
        "gateway's own `message`, a `cause`, a `fix` and parsed `details`. "
        "`iamapi.diagnose(status, headers, body)` gives the same error for an answer received "
        "any other way, or logged. This page is generated from the diagnosis table; the first "
        "matching entry wins, in the order below within each code.",
        "",
        "In the texts below, `<METHOD>`, `<path>`, `<stage>`, `<api-id>`, `<region>` and "
        "`<request-id>` stand for the values of the failing call; the real error names them.",
        "",
        "| Code | Exception | Meaning |",
        "|---|---|---|",
    ]
    for code, (cls, summary) in CODES.items():
        out.append(f"| [`{code}`](#{code}) | `{cls.__name__}` | {summary} |")
    for code, (cls, summary) in CODES.items():
        out += ["", f"## {code}", "", f"`{cls.__name__}`: {summary}"]
        for rule in (r for r in (*RULES, UNKNOWN) if r.code == code):
            out += ["", f"### {rule.name}", ""]
            matched = _describe_match(rule)
            if matched:
                out.append(f"When: {matched}.")
                out.append("")
            if rule.examples:
                out.append("Gateway message" + ("s" if len(rule.examples) > 1 else "") + ":")
                out.append("")
                out += [f"- `{example.strip()}`" for example in rule.examples]
                out.append("")
            values = dict(doc_values)
            if rule.analyze is analyze_malformed:
                found = [text for e in rule.examples for text in problems_in(e)]
                values["problem"] = "; ".join(dict.fromkeys(found)) or values["problem"]
            if rule.analyze is analyze_skew:
                cause, fix = skew_cause, skew_fix
            else:
                cause = fill(rule.cause, values)
                fix = fill(rule.fix, values)
            out.append(f"**What it means.** {_escape_markdown(tidy(cause))}")
            out.append("")
            out.append(f"**Fix.** {_escape_markdown(tidy(fix))}")
    return "\n".join(out) + "\n"
