"""Async HTTP client for the Kie.ai API.

Kie reports most failures with HTTP 200 and the real status in the JSON ``code`` of an
``{code, msg|message, data}`` envelope, so every reply goes through :meth:`KieClient._unwrap`,
which turns anything but ``code == 200`` into a typed :class:`~kie.errors.KieError`.
"""

from __future__ import annotations

import logging
import mimetypes
import os
from types import ModuleType, TracebackType
from typing import Any

import httpx
import pydantic

from ._wire import to_float, to_int
from .errors import (
    KieAuthError,
    KieError,
    KieRateLimitError,
    KieTransportError,
    KieUnavailableError,
    KieUnconfirmedError,
    KieUnreachableError,
    error_for_code,
)
from .families import market, suno, veo
from .models import (
    Family,
    MarketTaskRequest,
    MediaKind,
    SunoTaskRequest,
    TaskRequest,
    TaskResult,
    VeoTaskRequest,
)

DEFAULT_API_URL = "https://api.kie.ai"
DEFAULT_UPLOAD_URL = "https://kieai.redpandaai.co"

CREDIT_PATH = "/api/v1/chat/credit"
DOWNLOAD_URL_PATH = "/api/v1/common/download-url"
UPLOAD_PATH = "/api/file-stream-upload"

_FAMILIES: dict[Family, ModuleType] = {
    Family.MARKET: market,
    Family.VEO: veo,
    Family.SUNO: suno,
}

_log = logging.getLogger(__name__)


def _snippet(response: httpx.Response) -> str:
    text = response.text.strip().replace("\n", " ")
    return text[:200]


def _http_error(response: httpx.Response) -> KieError:
    """An error for a reply that is not Kie's JSON envelope, judged by the HTTP status."""
    status = response.status_code
    detail = f"HTTP {status} without a Kie JSON envelope: {_snippet(response)!r}"
    if status in (401, 403):
        return KieAuthError(detail, code=status)
    if status == 429:
        return KieRateLimitError(detail, code=status)
    if status >= 500:
        return KieUnavailableError(detail, code=status)
    # A proxy page, a wrong base URL, a 200 with HTML...: retryable, as the call may work later.
    return KieTransportError(detail, code=status)


class KieClient:
    """One reusable ``httpx.AsyncClient`` per instance; use ``async with`` or :meth:`aclose`."""

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_API_URL,
        upload_url: str = DEFAULT_UPLOAD_URL,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._upload_url = upload_url.rstrip("/")
        # The key lives only in the client's default headers; it is never logged or repr'd.
        self._http = httpx.AsyncClient(
            headers={"Authorization": f"Bearer {api_key}", "Accept": "application/json"},
            timeout=httpx.Timeout(timeout),
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"KieClient(base_url={self._base_url!r}, upload_url={self._upload_url!r})"

    async def __aenter__(self) -> KieClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- public API -------------------------------------------------------------------

    async def create_task(self, request: TaskRequest) -> str:
        """Submit a generation; returns Kie's task id. Success only means *accepted*."""
        if isinstance(request, MarketTaskRequest):
            body = market.build_body(request)
            path = market.CREATE_PATH
        elif isinstance(request, VeoTaskRequest):
            body = veo.build_body(request)
            path = veo.CREATE_PATH
        elif isinstance(request, SunoTaskRequest):
            body = suno.build_body(request)
            path = suno.CREATE_PATH
        else:
            raise TypeError(f"unsupported Kie request: {type(request).__name__}")
        data = await self._api("POST", path, json=body, idempotent=False)
        task_id = data.get("taskId") if isinstance(data, dict) else None
        if not isinstance(task_id, str) or not task_id:
            raise KieTransportError("Kie create reply has no data.taskId")
        return task_id

    async def get_task(self, family: Family, task_id: str, *, kind_hint: MediaKind | None = None) -> TaskResult:
        """The task's normalised state from the family's status endpoint (source of truth).

        ``kind_hint`` is the media kind for Market result URLs whose extension says nothing
        (Market replies do not name the kind); the default there is IMAGE.
        """
        module = _FAMILIES[Family(family)]
        data = await self._api("GET", module.STATUS_PATH, params={"taskId": task_id})
        try:
            result: TaskResult = module.parse_status(task_id, data, kind_hint=kind_hint)
        except pydantic.ValidationError as exc:
            raise KieTransportError(f"malformed Kie status reply: {exc.error_count()} errors") from exc
        return result

    async def get_credits(self) -> float:
        data = await self._api("GET", CREDIT_PATH)
        credits = to_float(data)
        if credits is None:
            raise KieTransportError("Kie credit reply is not a number")
        return credits

    async def get_download_url(self, url: str) -> str:
        """A temporary (20 min) direct link for a Kie-generated file URL."""
        data = await self._api("POST", DOWNLOAD_URL_PATH, json={"url": url})
        if not isinstance(data, str) or not data:
            raise KieTransportError("Kie download-url reply has no URL")
        return data

    async def upload_file(
        self,
        path_or_bytes: bytes | str | os.PathLike[str],
        *,
        file_name: str,
        upload_path: str = "telegram",
        content_type: str | None = None,
    ) -> str:
        """Upload to Kie's temporary file host (kept 3 days); returns ``data.downloadUrl``.

        A path is streamed from disk rather than read into memory.
        """
        mime = content_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        form = {"uploadPath": upload_path, "fileName": file_name}
        url = self._upload_url + UPLOAD_PATH
        if isinstance(path_or_bytes, bytes | bytearray):
            files = {"file": (file_name, bytes(path_or_bytes), mime)}
            body = await self._call("POST", url, files=files, data=form)
        else:
            with open(path_or_bytes, "rb") as handle:
                files = {"file": (file_name, handle, mime)}  # type: ignore[dict-item]
                body = await self._call("POST", url, files=files, data=form)
        if body.get("success") is False:
            raise KieTransportError("Kie upload reply says success=false", code=to_int(body.get("code")))
        data = body.get("data")
        if isinstance(data, dict):
            # Clients in the wild fall back to fileUrl/url on older reply variants.
            for key in ("downloadUrl", "fileUrl", "url"):
                value = data.get(key)
                if isinstance(value, str) and value:
                    return value
        raise KieTransportError("Kie upload reply has no data.downloadUrl")

    # -- plumbing ---------------------------------------------------------------------

    async def _api(self, method: str, path: str, *, idempotent: bool = True, **kwargs: Any) -> Any:
        body = await self._call(method, self._base_url + path, idempotent=idempotent, **kwargs)
        return body.get("data")

    async def _call(self, method: str, url: str, *, idempotent: bool = True, **kwargs: Any) -> dict[str, Any]:
        try:
            response = await self._http.request(method, url, **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            # Never reached Kie: safe to repeat whatever the call was.
            raise KieUnreachableError(f"Kie unreachable ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:  # timeouts included
            what = "timed out" if isinstance(exc, httpx.TimeoutException) else "failed"
            if not idempotent:
                raise KieUnconfirmedError(
                    f"Kie request {what} after sending ({type(exc).__name__}); it may or may not have been taken"
                ) from exc
            raise KieTransportError(f"Kie request {what} ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            raise KieTransportError(f"Kie request failed: {type(exc).__name__}: {exc}") from exc
        body = self._unwrap(response)
        _log.debug("kie %s %s -> HTTP %s", method, response.url.path, response.status_code)
        return body

    @staticmethod
    def _unwrap(response: httpx.Response) -> dict[str, Any]:
        """The envelope if its ``code`` is 200; a typed error otherwise."""
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            if response.is_error:
                raise _http_error(response)
            raise KieTransportError(
                f"Kie reply is not a JSON object (HTTP {response.status_code}): {_snippet(response)!r}"
            )
        code = to_int(body.get("code"))
        raw_message = body.get("msg") or body.get("message")
        message = raw_message if isinstance(raw_message, str) else ""
        if code is None:
            if response.is_error:
                raise _http_error(response)
            raise KieTransportError("Kie reply has no numeric code")
        if code != 200:
            _log.info("kie %s -> code %s: %s", response.url.path, code, message[:200])
            raise error_for_code(code, message or f"Kie error {code}")
        return body
