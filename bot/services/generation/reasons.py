"""Why a generation failed: a typed reason (worded by the Telegram layer, in the user's
language) and Kie's own words where it gave any."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from kie import (
    KieError,
    KieGenerationError,
    KieRateLimitError,
    KieTransportError,
    KieUnavailableError,
    KieValidationError,
    TaskResult,
)

_DETAIL_LIMIT = 300


class FailureReason(StrEnum):
    REJECTED = "rejected"  # the model refused the request (content policy, bad input)
    GENERATION_FAILED = "generation_failed"  # it failed while generating
    BUSY = "busy"  # Kie is throttling or having an outage
    UNAVAILABLE = "unavailable"  # our Kie account or key is the problem
    TIMEOUT = "timeout"  # no result within KIE_TASK_MAX_AGE
    INTERRUPTED = "interrupted"  # a restart came before Kie had the request
    UNDELIVERABLE = "undeliverable"  # the result could not be sent to the chat
    NO_PICTURE = "no_picture"  # the picture to start from could not be fetched any more
    OPERATOR_REFUND = "operator_refund"  # an admin's /refund
    CANCELLED = "cancelled"  # the user's /cancel or Cancel button, before Kie had it


@dataclass(frozen=True, slots=True)
class Reason:
    code: FailureReason
    detail: str | None = None  # Kie's own words, shown escaped and shortened

    @classmethod
    def of(cls, code: FailureReason, detail: str | None = None) -> Reason:
        detail = (detail or "").strip()
        if len(detail) > _DETAIL_LIMIT:
            detail = detail[: _DETAIL_LIMIT - 1] + "…"
        return cls(code, detail or None)

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}" if self.detail else str(self.code)


TIMEOUT = Reason(FailureReason.TIMEOUT)
INTERRUPTED = Reason(FailureReason.INTERRUPTED)
UNDELIVERABLE = Reason(FailureReason.UNDELIVERABLE)
UNAVAILABLE = Reason(FailureReason.UNAVAILABLE)
NO_PICTURE = Reason(FailureReason.NO_PICTURE)
OPERATOR_REFUND = Reason(FailureReason.OPERATOR_REFUND)
CANCELLED = Reason(FailureReason.CANCELLED)


def for_kie_error(exc: KieError) -> Reason:
    if isinstance(exc, KieValidationError):
        return Reason.of(FailureReason.REJECTED, exc.message)
    if isinstance(exc, KieGenerationError):
        return Reason.of(FailureReason.GENERATION_FAILED, exc.message)
    if isinstance(exc, KieRateLimitError | KieUnavailableError | KieTransportError):
        return Reason(FailureReason.BUSY)
    # 401/402/433/505: our account or key is the problem, not the user's request.
    return UNAVAILABLE


def for_upload_error(exc: KieError) -> Reason:
    """The picture's upload to Kie's file host failed: a plain reason, without Kie's words."""
    if isinstance(exc, KieRateLimitError | KieUnavailableError | KieTransportError):
        return Reason(FailureReason.BUSY)
    return UNAVAILABLE


def for_failed_result(result: TaskResult) -> Reason:
    return Reason.of(FailureReason.GENERATION_FAILED, result.error_message)
