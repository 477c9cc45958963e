"""Why a generation failed, in words a user understands (and a short form for logs)."""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True, slots=True)
class Reason:
    key: str  # a locale key, e.g. "reason_rejected"
    detail: str | None = None  # Kie's own words, shown escaped and shortened

    @classmethod
    def of(cls, key: str, detail: str | None = None) -> Reason:
        detail = (detail or "").strip()
        if len(detail) > _DETAIL_LIMIT:
            detail = detail[: _DETAIL_LIMIT - 1] + "…"
        return cls(key, detail or None)

    def __str__(self) -> str:
        return f"{self.key}: {self.detail}" if self.detail else self.key


TIMEOUT = Reason("reason_timeout")
INTERRUPTED = Reason("reason_interrupted")
UNDELIVERABLE = Reason("reason_undeliverable")
UNAVAILABLE = Reason("reason_unavailable")


def for_kie_error(exc: KieError) -> Reason:
    if isinstance(exc, KieValidationError):
        return Reason.of("reason_rejected", exc.message)
    if isinstance(exc, KieGenerationError):
        return Reason.of("reason_generation_failed", exc.message)
    if isinstance(exc, KieRateLimitError | KieUnavailableError | KieTransportError):
        return Reason("reason_busy")
    # 401/402/433/505: our account or key is the problem, not the user's request.
    return UNAVAILABLE


def for_failed_result(result: TaskResult) -> Reason:
    if result.error_message:
        return Reason.of("reason_generation_failed", result.error_message)
    return Reason("reason_generation_failed_plain")
