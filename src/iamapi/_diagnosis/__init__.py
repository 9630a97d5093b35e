"""Turn any gateway answer (status, headers, body) into the most specific :class:`GatewayError`.

One table, :data:`RULES`, maps what an answer looks like to a stable code, an
exception class, a cause and a fix. Each :class:`Rule` names:

* the API kinds it applies to (``rest``, ``http``, ``websocket``, ``lambda_url``;
  ``None`` in the set means "kind not known");
* the statuses and ``x-amzn-ErrorType`` values, and a regular expression for the
  gateway's message (the error type *or* the message must match);
* whether the request was signed by the caller (``True``/``False``/either);
* an optional extra condition and an analyzer that reads the details out of the
  message (ARNs, timestamps, the canonical-string appendix) and the context the
  caller passes in (stage, region, service, the canonical request and string to
  sign the client built, when it signed);
* the cause and fix templates, the exact messages it answers (for the docs and
  the tests), and the ids of the cases in the gateway-response reference it covers.

:func:`diagnose` applies the first rule that matches; the table ends with
catch-alls, so every error status gets an answer. ``docs/errors.md`` is
rendered from the same table by :func:`errors_markdown`.

The package has one concern per module; each imports only modules listed
before it. ``_regex`` (lazily compiled patterns) and ``_codes`` (:data:`CODES`);
reading the answer: ``_answer`` (headers, body, message), ``_target`` (API
kind, host, stage), ``_scrub`` (masking what a message echoes), ``_facts``
(all of it, once) and ``_times``; ``_rule`` (one row) and ``_templates``
(filling the texts); the analyzers: ``_routes``, ``_access``,
``_authorization``, ``_credentials``, ``_mismatch``, ``_skew``, ``_throttle``
and ``_backend``; ``_placeholders`` (stand-ins for the docs and for a failed
analyzer); the rows, in the order they are tried: ``_table_signature``,
``_table_access`` and ``_table_backend``, put together by ``_table``;
``_docs``; and this module, which applies the table.

Nothing here imports the HTTP client; ``requests`` is only needed for typing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Optional, Union

from iamapi._diagnosis._answer import backend_message
from iamapi._diagnosis._codes import CODES
from iamapi._diagnosis._docs import errors_markdown
from iamapi._diagnosis._facts import Facts, gather
from iamapi._diagnosis._placeholders import DOC_ANALYZER_VALUES
from iamapi._diagnosis._rule import Rule
from iamapi._diagnosis._scrub import scrub
from iamapi._diagnosis._table import RULES, select

# The API kinds, under the name they had before the module became a package.
from iamapi._diagnosis._target import KINDS as _KINDS  # noqa: F401
from iamapi._diagnosis._templates import fact_values, fill, tidy
from iamapi._exceptions import GatewayError
from iamapi._redaction import redact_text

if TYPE_CHECKING:
    import requests

__all__ = ["CODES", "RULES", "Rule", "diagnose", "diagnose_response", "errors_markdown"]


def diagnose(
    status: Optional[int],
    headers: Optional[Mapping[str, str]],
    body: Union[str, bytes, None],
    *,
    signed: bool = True,
    kind: Optional[str] = None,
    method: Optional[str] = None,
    url: Optional[str] = None,
    stage: Optional[str] = None,
    region: Optional[str] = None,
    service: Optional[str] = None,
    canonical_request: Optional[str] = None,
    string_to_sign: Optional[str] = None,
    local_time: Optional[datetime] = None,
    response: Optional[requests.Response] = None,
) -> Optional[GatewayError]:
    """Explain a gateway answer as the most specific :class:`GatewayError`, or ``None``.

    ``None`` is returned for a 1xx, 2xx or 3xx status. ``status`` may be
    ``None`` when only a logged body is at hand; ``headers`` is any mapping
    (names are matched case-insensitively); ``body`` is the raw answer (JSON with
    ``message`` or ``Message``, ``null``, plain text or HTML).

    The context makes the answer precise: ``signed`` says whether the caller
    signed the request (``Missing Authentication Token`` then means a wrong route,
    not a missing signature); ``kind`` is ``"rest"``, ``"http"``, ``"websocket"``
    or ``"lambda_url"`` (inferred from the headers and ``url`` when ``None``);
    ``method``, ``url`` and ``stage`` name what was called; ``region`` and
    ``service`` what the request was signed for; ``canonical_request`` and
    ``string_to_sign``, as the signer built them, let a signature mismatch name
    the part that differs; ``local_time`` is when the request was signed (UTC),
    for telling a wrong clock from a reused signature.

    The returned error is not raised; ``raise error`` it, or inspect its
    ``code``, ``cause``, ``fix`` and ``details``. This function never raises.
    """
    if isinstance(status, int) and not isinstance(status, bool) and 100 <= status < 400:
        return None
    facts = gather(
        status,
        headers,
        body,
        signed=signed,
        kind=kind,
        method=method,
        url=url,
        stage=stage,
        region=region,
        service=service,
        canonical_request=canonical_request,
        string_to_sign=string_to_sign,
        local_time=local_time,
        response=response,
    )
    rule, found = select(facts)
    return _build(rule, found, facts, response)


def diagnose_response(
    response: requests.Response,
    *,
    signed: bool = True,
    kind: Optional[str] = None,
    stage: Optional[str] = None,
    region: Optional[str] = None,
    service: Optional[str] = None,
    canonical_request: Optional[str] = None,
    string_to_sign: Optional[str] = None,
    local_time: Optional[datetime] = None,
) -> Optional[GatewayError]:
    """:func:`diagnose` a ``requests.Response``: status, headers, body, method and URL."""
    try:
        content: Union[bytes, str, None] = response.content
    except Exception:  # a consumed stream or a broken connection: no body
        content = None
    request = getattr(response, "request", None)
    return diagnose(
        getattr(response, "status_code", None),
        getattr(response, "headers", None),
        content,
        signed=signed,
        kind=kind,
        method=getattr(request, "method", None),
        url=getattr(response, "url", None) or getattr(request, "url", None),
        stage=stage,
        region=region,
        service=service,
        canonical_request=canonical_request,
        string_to_sign=string_to_sign,
        local_time=local_time,
        response=response,
    )


def _build(
    rule: Rule, found: Optional[re.Match[str]], facts: Facts, response: Optional[requests.Response]
) -> GatewayError:
    values = {**DOC_ANALYZER_VALUES, **fact_values(facts)}
    details: dict[str, Any] = {}
    if rule.analyze is not None:
        try:
            extra, details = rule.analyze(facts, found)
        except Exception:  # an analyzer bug must not hide the error itself
            extra, details = {}, {}
        values.update(extra)
    cause = tidy(fill(rule.cause, values))
    fix = tidy(fill(rule.fix, values))
    message = facts.message
    if message is None and rule.code in ("client_error", "server_error"):
        message = backend_message(facts.body_json)
    cls = rule.error
    return cls(
        code=rule.code,
        status=facts.status,
        message=scrub(message, facts.secrets) if message else "",
        cause=redact_text(cause, facts.secrets),
        fix=redact_text(fix, facts.secrets),
        request_id=facts.request_id,
        apigw_id=facts.apigw_id,
        error_type=facts.error_type,
        method=facts.method,
        url=facts.url,
        response=response,
        details=details,
    )
