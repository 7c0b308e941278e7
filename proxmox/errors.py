"""The one exception tree of the Proxmox layer.

Everything the Proxmox client can go wrong with is mapped, at the HTTP boundary in
``proxmox.client``, to exactly one of these types. Nothing above ``proxmox/`` ever sees an
``httpx`` exception. Every error carries ``retryable``: whether trying the *same* call again
later can help (jobs retry only those).

    ProxmoxApiException                 base: method, path, status, message, errors
    ├── ProxmoxConnectionError          the call did not get a Proxmox answer
    │   ├── ProxmoxUnreachable          connection refused/reset, DNS, 595, proxy 502/503   retry
    │   ├── ProxmoxTimeout              connect/read timeout, 596 (the call may still run)  retry
    │   └── ProxmoxTLSError             certificate verification failed (PROXMOX_CA_BUNDLE)
    ├── ProxmoxAuthenticationError      401: token unknown, expired or malformed
    ├── ProxmoxPermissionError          403: the token lacks a privilege
    ├── ProxmoxParameterError           400: "Parameter verification failed." + ``errors``
    ├── ProxmoxNotFound                 404, or 500 "... does not exist" / "no such ..."
    ├── ProxmoxConflict                 digest mismatch, "already exists"
    ├── ProxmoxLocked                   "VM is locked (backup)", "can't lock file ...
    │                                   got timeout"                                      retry
    ├── ProxmoxServerError              any other 5xx (or 501 not implemented)
    └── ProxmoxProtocolError            a 2xx that is not what the API promises (HTML, no
                                        ``data``, ``null`` where a UPID was expected)

Messages are one line, fit to show a human, and never contain credentials: the client
never puts the token in a URL, and no exception stores request headers. ``message`` is for
whoever runs the bot (it may say which ``PROXMOX_*`` setting to check); ``public`` is what a
customer reads in chat, which never names the bot's settings.

``classify_message`` is shared with task tracking: a task's ``exitstatus`` error text is
classified by the same rules as an HTTP 500 reason phrase.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import ClassVar

_LOCKED = re.compile(r"VM is locked \((?P<lock>[\w-]+)\)")
_LOCK_TIMEOUT = re.compile(r"can't lock file .* got timeout")
_NOT_FOUND = re.compile(
    r"does not exist|no such (?:vm|node|task|volume|storage|file|user|group|pool|token)|not found",
    re.IGNORECASE,
)
_CONFLICT = re.compile(
    r"checksum mismatch|detected modified configuration|already exists", re.IGNORECASE
)
_DIGEST = re.compile(r"checksum mismatch|detected modified configuration", re.IGNORECASE)
_SETTING = re.compile(r"\bPROXMOX_[A-Z_]+")
FOR_AN_ADMIN = "an admin needs to fix this"


class ProxmoxApiException(Exception):
    """Base of every Proxmox failure; ``str()`` is a one-line, human-readable message."""

    retryable: ClassVar[bool] = False
    # What a customer reads instead of ``message`` when it is for whoever runs the bot.
    public_text: ClassVar[str] = ""

    def __init__(
        self,
        message: str,
        *,
        method: str = "",
        path: str = "",
        status: int | None = None,
        errors: Mapping[str, str] | None = None,
    ) -> None:
        self.message = _one_line(message)
        self.method = method
        self.path = path
        self.status = status
        self.errors: dict[str, str] = dict(errors or {})
        super().__init__(self._render())

    @property
    def public(self) -> str:
        """The message as a customer may read it: ``message``, unless it is a hint for the
        operator (a ``PROXMOX_*`` setting to check); the operator's log keeps ``message``."""
        if self.public_text:
            return self.public_text
        if _SETTING.search(self.message):
            return f"Proxmox gave an answer the bot cannot use; {FOR_AN_ADMIN}"
        return self.message

    def _render(self) -> str:
        text = self.message
        if self.errors:
            details = "; ".join(f"{k}: {_one_line(v)}" for k, v in sorted(self.errors.items()))
            text = f"{text} ({details})"
        where = f"{self.method} {self.path}".strip()
        status = f"HTTP {self.status}" if self.status is not None else ""
        suffix = ", ".join(p for p in (where, status) if p)
        return f"{text} [{suffix}]" if suffix else text

    def without(self, secret: str, shown: str = "<redacted>") -> ProxmoxApiException:
        """The same error with every copy of ``secret`` replaced (a server may echo the
        values it was sent, e.g. a password, in its message or per-parameter errors)."""
        if not secret:
            return self
        return type(self)(
            self.message.replace(secret, shown),
            method=self.method,
            path=self.path,
            status=self.status,
            errors={k: v.replace(secret, shown) for k, v in self.errors.items()},
        )

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(message={self.message!r}, method={self.method!r}, "
            f"path={self.path!r}, status={self.status!r}, errors={self.errors!r})"
        )

    def __reduce__(self) -> tuple[object, ...]:
        # Keeps exceptions picklable/copyable with their keyword-only fields.
        return (
            _rebuild,
            (type(self), self.message, self.method, self.path, self.status, self.errors),
        )


def _rebuild(
    cls: type[ProxmoxApiException],
    message: str,
    method: str,
    path: str,
    status: int | None,
    errors: dict[str, str],
) -> ProxmoxApiException:
    return cls(message, method=method, path=path, status=status, errors=errors)


class ProxmoxConnectionError(ProxmoxApiException):
    """No answer from Proxmox (or from the proxy in front of the target node)."""

    retryable = True


class ProxmoxUnreachable(ProxmoxConnectionError):
    """Connection refused or reset, name resolution failed, or pveproxy's 595."""


class ProxmoxTimeout(ProxmoxConnectionError):
    """Connect/read timeout or pveproxy's 596. The operation may still have happened."""


class ProxmoxTLSError(ProxmoxConnectionError):
    """The server certificate did not verify; retrying will not change that."""

    retryable = False
    public_text = f"the bot could not verify the Proxmox cluster's certificate; {FOR_AN_ADMIN}"


class ProxmoxAuthenticationError(ProxmoxApiException):
    """401: the API token was rejected (unknown, expired, wrong secret)."""

    public_text = f"the Proxmox cluster refused the bot's credentials; {FOR_AN_ADMIN}"


class ProxmoxPermissionError(ProxmoxApiException):
    """403: the token is valid but lacks a privilege on this path."""


class ProxmoxParameterError(ProxmoxApiException):
    """400: Proxmox rejected parameters; ``errors`` maps each parameter to its problem."""


class ProxmoxNotFound(ProxmoxApiException):
    """The VM, node, storage, volume or task does not exist."""


class ProxmoxConflict(ProxmoxApiException):
    """Someone else changed the object (digest mismatch) or it already exists."""

    @property
    def digest_mismatch(self) -> bool:
        return bool(_DIGEST.search(self.message))


class ProxmoxLocked(ProxmoxApiException):
    """The VM config is locked by another operation; it frees itself when that ends."""

    retryable = True

    @property
    def lock(self) -> str | None:
        match = _LOCKED.search(self.message)
        return match.group("lock") if match else None


class ProxmoxServerError(ProxmoxApiException):
    """Any other server-side failure; the message is Proxmox's own text."""


class ProxmoxProtocolError(ProxmoxApiException):
    """A successful HTTP status whose body is not what the API documents."""


def classify_message(message: str) -> type[ProxmoxApiException]:
    """Map a Proxmox error text (500 reason phrase or task exitstatus) to its type."""
    if _LOCKED.search(message) or _LOCK_TIMEOUT.search(message):
        return ProxmoxLocked
    if _CONFLICT.search(message):
        return ProxmoxConflict
    if _NOT_FOUND.search(message):
        return ProxmoxNotFound
    return ProxmoxServerError


def error_for_status(status: int, message: str) -> type[ProxmoxApiException]:
    """Map an HTTP status (and its message) to the exception type to raise."""
    by_status: dict[int, type[ProxmoxApiException]] = {
        400: ProxmoxParameterError,
        401: ProxmoxAuthenticationError,
        403: ProxmoxPermissionError,
        404: ProxmoxNotFound,
        502: ProxmoxUnreachable,
        503: ProxmoxUnreachable,
        504: ProxmoxTimeout,
        595: ProxmoxUnreachable,
        596: ProxmoxTimeout,
    }
    if status in by_status:
        return by_status[status]
    if status >= 500:
        return classify_message(message)
    return ProxmoxApiException


def _one_line(text: str) -> str:
    return " ".join(text.strip().split()) if text else ""
