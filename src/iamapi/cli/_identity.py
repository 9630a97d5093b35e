"""Who AWS says the credentials belong to: STS ``GetCallerIdentity``, fast or not at all.

botocore is imported only here, when the check runs. One attempt with short
timeouts keeps ``iamapi doctor`` quick offline; ``AWS_ENDPOINT_URL_STS`` (which
botocore honours) points the call at another STS, a local one in tests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from iamapi._redaction import mask_access_key, redact_text

if TYPE_CHECKING:
    from iamapi._credentials import FrozenCredentials

__all__ = ["Refused", "Unreachable", "caller_identity"]

_TIMEOUTS = (2.0, 5.0)


class Unreachable(Exception):
    """STS could not be reached."""


class Refused(Exception):
    """STS answered with an error."""

    def __init__(self, status: str, summary: str, code: str) -> None:
        super().__init__(summary)
        self.status = status
        self.summary = summary
        self.code = code


def caller_identity(
    credentials: FrozenCredentials, region: str, profile: Optional[str]
) -> dict[str, Any]:
    """STS GetCallerIdentity with these credentials: one attempt, short timeouts."""
    from iamapi._redaction import guard_botocore_logging

    guard_botocore_logging()  # botocore logs this call's token and signature at DEBUG
    import botocore.session  # type: ignore[import-untyped]
    from botocore.config import Config  # type: ignore[import-untyped]
    from botocore.exceptions import (  # type: ignore[import-untyped]
        BotoCoreError,
        ClientError,
        HTTPClientError,
    )

    try:
        session = botocore.session.Session(profile=profile)
        client = session.create_client(
            "sts",
            region_name=region,
            aws_access_key_id=credentials.access_key,
            aws_secret_access_key=credentials.secret_key,
            aws_session_token=credentials.token,
            config=Config(
                connect_timeout=_TIMEOUTS[0],
                read_timeout=_TIMEOUTS[1],
                retries={"total_max_attempts": 1, "mode": "standard"},
            ),
        )
        answer: dict[str, Any] = client.get_caller_identity()
        return answer
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = str(error.get("Code", "?"))
        message = redact_text(str(error.get("Message", "")))
        key = mask_access_key(credentials.access_key)
        known = {
            "InvalidClientTokenId": f"AWS does not know access key id {key} (deleted, "
            "deactivated, or from another partition)",
            "SignatureDoesNotMatch": f"the secret key does not belong to access key id {key}",
            "ExpiredToken": "the session token has expired: refresh the credentials",
        }
        if code in known:
            raise Refused("fail", f"STS refused the credentials: {known[code]}", code) from None
        raise Refused("warn", f"STS answered {code}: {message}", code) from None
    except HTTPClientError as exc:
        raise Unreachable(type(exc).__name__) from None
    except BotoCoreError as exc:
        raise Unreachable(redact_text(str(exc))) from None
