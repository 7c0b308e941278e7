"""HTTP client for the Proxmox VE API (``/api2/json``), on httpx.

One ``httpx.Client`` per ``ProxmoxClient`` (keep-alive), authenticated with an API token
header, JSON request bodies, and an injectable transport: tests pass the simulator's
in-process transport, ``httpx.MockTransport`` or respx. Every httpx failure and every
non-2xx answer is mapped here to the tree in ``proxmox.errors``; callers get the unwrapped
``data`` of ``{"data": ...}``.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, Self
from urllib.parse import quote

import httpx
from pydantic import SecretStr

from proxmox import errors
from proxmox.upid import UPID, InvalidUPID

Params = Mapping[str, object]
_TLS_HINT = (
    "the Proxmox server certificate did not verify; set PROXMOX_CA_BUNDLE to the cluster's "
    "CA file (e.g. /etc/pve/pve-root-ca.pem), or PROXMOX_VERIFY_TLS=false on a trusted network"
)


class ProxmoxClient:
    """A thin, typed-at-the-edges Proxmox API client; repositories build on ``request``."""

    def __init__(
        self,
        base_url: str,
        token_id: str,
        token_secret: SecretStr,
        *,
        timeout: float = 30.0,
        connect_timeout: float = 5.0,
        verify: bool | str | ssl.SSLContext = True,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        root = base_url.rstrip("/")
        if not root.endswith("/api2/json"):
            root = f"{root}/api2/json"
        self.base_url = root
        # Not a secret: the user a task's UPID names when this token started it.
        self.token_id = token_id
        self._http = httpx.Client(
            base_url=root,
            headers={
                "Authorization": f"PVEAPIToken={token_id}={token_secret.get_secret_value()}",
                "Accept": "application/json",
                "User-Agent": "jotunheim",
            },
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            verify=verify,
            transport=transport,
        )

    def __repr__(self) -> str:
        # The default repr would not show the token, but say so explicitly for reviewers.
        return f"ProxmoxClient(base_url={self.base_url!r}, token=<redacted>)"

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # -- verbs ---------------------------------------------------------------------------

    def get(self, path: str, params: Params | None = None) -> Any:
        return self.request("GET", path, params=params)

    def post(self, path: str, data: Params | None = None) -> Any:
        return self.request("POST", path, data=data)

    def put(self, path: str, data: Params | None = None) -> Any:
        return self.request("PUT", path, data=data)

    def delete(self, path: str, params: Params | None = None) -> Any:
        return self.request("DELETE", path, params=params)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        data: Params | None = None,
    ) -> Any:
        """Send one call; GET/DELETE parameters go in the query, POST/PUT as a JSON body."""
        return self._envelope(method, path, params=params, data=data)["data"]

    def get_with_total(self, path: str, params: Params | None = None) -> tuple[Any, int | None]:
        """A GET whose envelope also carries ``total`` (task lists and task logs page)."""
        envelope = self._envelope("GET", path, params=params)
        total = envelope.get("total")
        try:
            return envelope["data"], int(total) if total is not None else None
        except (TypeError, ValueError):
            return envelope["data"], None

    def _envelope(
        self, method: str, path: str, *, params: Params | None = None, data: Params | None = None
    ) -> dict[str, Any]:
        query = _encode(params) if params else None
        body = _encode(data) if data else None
        try:
            response = self._http.request(method, path, params=query, json=body)
        except httpx.HTTPError as exc:
            raise _transport_error(exc, method, path) from None
        return _unwrap(response, method, path)

    # -- assertion helpers -----------------------------------------------------------------

    def start_task(self, method: str, path: str, data: Params | None = None) -> UPID:
        """A call that must start a Proxmox task: returns its UPID or raises."""
        sent = (
            self.request(method, path, params=data)
            if method in {"GET", "DELETE"}
            else self.request(method, path, data=data)
        )
        return expect_upid(sent, method, path)


def expect_upid(value: Any, method: str, path: str) -> UPID:
    try:
        return UPID.parse(value)
    except InvalidUPID:
        shown = "null" if value is None else type(value).__name__
        raise errors.ProxmoxProtocolError(
            f"expected a task id (UPID) from Proxmox, got {shown}", method=method, path=path
        ) from None


def expect_dict(value: Any, method: str, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise errors.ProxmoxProtocolError(
            f"expected an object from Proxmox, got {_kind(value)}", method=method, path=path
        )
    return value


def expect_list(value: Any, method: str, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise errors.ProxmoxProtocolError(
            f"expected a list from Proxmox, got {_kind(value)}", method=method, path=path
        )
    return value


def path_of(*parts: str | int) -> str:
    """Join path segments, quoting each (a storage volume id may contain ':' and '/')."""
    return "/" + "/".join(quote(str(p), safe=":@") for p in parts)


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _encode(values: Params) -> dict[str, Any]:
    """Proxmox wants booleans as 1/0 and omits unset keys; None means 'do not send'."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        if value is None:
            continue
        out[key] = int(value) if isinstance(value, bool) else value
    return out


def _transport_error(exc: httpx.HTTPError, method: str, path: str) -> errors.ProxmoxApiException:
    if isinstance(exc, httpx.TimeoutException):
        phase = "connecting to" if isinstance(exc, httpx.ConnectTimeout) else "waiting for"
        return errors.ProxmoxTimeout(f"timed out {phase} Proxmox", method=method, path=path)
    if _is_tls_failure(exc):
        return errors.ProxmoxTLSError(_TLS_HINT, method=method, path=path)
    if isinstance(exc, httpx.TransportError):
        return errors.ProxmoxUnreachable(
            f"cannot reach Proxmox: {_describe(exc)}", method=method, path=path
        )
    return errors.ProxmoxApiException(f"HTTP error: {_describe(exc)}", method=method, path=path)


def _is_tls_failure(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(
            seen
        ):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _unwrap(response: httpx.Response, method: str, path: str) -> dict[str, Any]:
    """The whole ``{"data": ..., "total": ...}`` envelope of a success, or the mapped error."""
    body = _json_body(response)
    if response.is_success:
        if not isinstance(body, dict) or "data" not in body:
            raise errors.ProxmoxProtocolError(
                "Proxmox answered without a JSON 'data' envelope (is PROXMOX_URL the API?)",
                method=method,
                path=path,
                status=response.status_code,
            )
        return body
    message, param_errors = _error_text(response, body)
    kind = errors.error_for_status(response.status_code, message)
    raise kind(message, method=method, path=path, status=response.status_code, errors=param_errors)


def _json_body(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


def _error_text(response: httpx.Response, body: Any) -> tuple[str, dict[str, str]]:
    """PVE >= 8.3 adds ``message``; older servers put the text only in the reason phrase."""
    param_errors: dict[str, str] = {}
    message = ""
    if isinstance(body, dict):
        raw_errors = body.get("errors")
        if isinstance(raw_errors, dict):
            param_errors = {str(k): str(v).strip() for k, v in raw_errors.items()}
        if isinstance(body.get("message"), str):
            message = body["message"].strip().splitlines()[0] if body["message"].strip() else ""
    if not message:
        message = response.reason_phrase.strip()
    if not message:
        message = _default_reason(response.status_code)
    if response.status_code == 401:
        message = f"Proxmox rejected the API token ({message}); check PROXMOX_TOKEN_ID/SECRET"
    return message, param_errors


def _default_reason(status: int) -> str:
    proxy = {595: "connection to the target node failed", 596: "proxy timeout to target node"}
    if status in proxy:
        return proxy[status]
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"
