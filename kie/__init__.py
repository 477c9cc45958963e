"""Typed async client for the Kie.ai API (Market, Veo and Suno families).

Standalone: depends on httpx and pydantic only, nothing Telegram-specific.
"""

from ._wire import infer_kind
from .callbacks import callback_task_id, parse_callback
from .client import DEFAULT_API_URL, DEFAULT_UPLOAD_URL, KieClient
from .errors import (
    KieAuthError,
    KieCallbackError,
    KieError,
    KieFeatureDisabledError,
    KieGenerationError,
    KieInsufficientCreditsError,
    KieNotFoundError,
    KieQuotaError,
    KieRateLimitError,
    KieTransportError,
    KieUnavailableError,
    KieUnconfirmedError,
    KieUnreachableError,
    KieValidationError,
    error_for_code,
)
from .models import (
    CallbackEvent,
    Family,
    MarketTaskRequest,
    MediaKind,
    ResultFile,
    SunoTaskRequest,
    TaskRequest,
    TaskResult,
    TaskState,
    VeoTaskRequest,
    family_of,
)
from .signing import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    sign_callback,
    verify_callback_signature,
)

__all__ = [
    "DEFAULT_API_URL",
    "DEFAULT_UPLOAD_URL",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "CallbackEvent",
    "Family",
    "KieAuthError",
    "KieCallbackError",
    "KieClient",
    "KieError",
    "KieFeatureDisabledError",
    "KieGenerationError",
    "KieInsufficientCreditsError",
    "KieNotFoundError",
    "KieQuotaError",
    "KieRateLimitError",
    "KieTransportError",
    "KieUnconfirmedError",
    "KieUnreachableError",
    "KieUnavailableError",
    "KieValidationError",
    "MarketTaskRequest",
    "MediaKind",
    "ResultFile",
    "SunoTaskRequest",
    "TaskRequest",
    "TaskResult",
    "TaskState",
    "VeoTaskRequest",
    "callback_task_id",
    "error_for_code",
    "family_of",
    "infer_kind",
    "parse_callback",
    "sign_callback",
    "verify_callback_signature",
]
