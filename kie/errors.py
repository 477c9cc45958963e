"""Typed Kie errors.

Kie answers most failures with HTTP 200 and the real status in the JSON ``code``;
:func:`error_for_code` turns such a code into one of the classes below so callers can
decide on ``retryable`` instead of matching numbers.
"""

from __future__ import annotations


class KieError(Exception):
    """Any failure talking to Kie. ``retryable`` says whether the same call may succeed later."""

    retryable: bool = False

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}" if self.code is not None else self.message


class KieTransportError(KieError):
    """Network failure, timeout, or a reply that is not Kie's JSON envelope."""

    retryable = True


class KieUnreachableError(KieTransportError):
    """The connection to Kie was never made (refused, DNS, connect timeout, no free
    connection): the request certainly did not reach Kie, so it is safe to repeat."""


class KieUnconfirmedError(KieTransportError):
    """A request that creates something was cut off after it may have reached Kie (a read
    timeout, a dropped connection). Kie has no idempotency key, so repeating it could
    create a second paid task: not retryable."""

    retryable = False


class KieAuthError(KieError):
    """401: missing or invalid API key."""


class KieInsufficientCreditsError(KieError):
    """402: the Kie account has run out of credits."""


class KieNotFoundError(KieError):
    """404, or 422 ``recordInfo is null``: Kie does not know this task (yet)."""


class KieValidationError(KieError):
    """400/409/413/422/451: the request itself was refused (bad input, content policy, ...)."""


class KieQuotaError(KieError):
    """433: the API key's usage cap is reached."""


class KieFeatureDisabledError(KieError):
    """505: the feature is disabled on Kie's side."""


class KieRateLimitError(KieError):
    """429/430 (and 405 on some Suno pages): too many requests; not queued by Kie."""

    retryable = True


class KieUnavailableError(KieError):
    """455/5xx/550: maintenance, server error or a full queue."""

    retryable = True


class KieGenerationError(KieError):
    """501/408/531: the generation itself failed upstream."""


class KieCallbackError(ValueError):
    """A callback body that is not one of Kie's callback shapes."""


_BY_CODE: dict[int, type[KieError]] = {
    400: KieValidationError,
    401: KieAuthError,
    402: KieInsufficientCreditsError,
    404: KieNotFoundError,
    405: KieRateLimitError,
    408: KieGenerationError,
    409: KieValidationError,
    413: KieValidationError,
    422: KieValidationError,
    429: KieRateLimitError,
    430: KieRateLimitError,
    433: KieQuotaError,
    451: KieValidationError,
    455: KieUnavailableError,
    501: KieGenerationError,
    505: KieFeatureDisabledError,
    531: KieGenerationError,
    550: KieUnavailableError,
}


def error_for_code(code: int, message: str) -> KieError:
    """Map a Kie ``code`` (from the JSON envelope or the HTTP status) to a typed error."""
    if code == 422 and "recordinfo is null" in message.lower():
        return KieNotFoundError(message, code=code)
    cls = _BY_CODE.get(code)
    if cls is None:
        cls = KieUnavailableError if code >= 500 else KieError
    return cls(message, code=code)
