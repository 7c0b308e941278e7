"""Every way Proxmox (or a proxy in front of it) says no maps to the right exception."""

from __future__ import annotations

import pickle

import httpx
import pytest

from proxmox import errors
from proxmox.client import expect_upid
from tests.proxmox.captures import TOKEN_ID, TOKEN_SECRET, capture, mock_client, respond


def _fail_with(response: httpx.Response, method: str = "GET") -> errors.ProxmoxApiException:
    client = mock_client(lambda _: response)
    with pytest.raises(errors.ProxmoxApiException) as caught:
        client.request(method, "/nodes/pve1/qemu/101/config")
    return caught.value


def _replay(name: str) -> httpx.Response:
    """A captured error answer: its status, reason phrase and (possibly empty) body."""
    fixture = capture(name)
    reason = fixture["http"]["reason"]
    if reason.startswith("(not recorded"):
        reason = "Authentication failed!"
    return respond(fixture["http"]["status"], fixture["body"], reason)


def test_reason_phrase_only_envelope() -> None:
    exc = _fail_with(_replay("error-500-lock-timeout"), "POST")
    assert type(exc) is errors.ProxmoxLocked
    assert exc.retryable
    assert exc.message == "can't lock file '/var/lock/qemu-server/lock-203.conf' - got timeout"
    assert exc.lock is None


def test_message_field_envelope_wins_and_loses_its_newline() -> None:
    response = respond(500, {"data": None, "message": "VM is locked (backup)\n"}, "Internal")
    exc = _fail_with(response, "PUT")
    assert type(exc) is errors.ProxmoxLocked
    assert exc.retryable
    assert exc.lock == "backup"
    assert str(exc) == "VM is locked (backup) [PUT /nodes/pve1/qemu/101/config, HTTP 500]"


def test_source_derived_vm_locked_capture() -> None:
    exc = _fail_with(_replay("error-500-vm-locked-backup"), "PUT")
    assert isinstance(exc, errors.ProxmoxLocked)
    assert exc.lock == "backup"


def test_empty_401_body_is_an_authentication_error() -> None:
    exc = _fail_with(_replay("error-401-token-rejected-pve9"))
    assert type(exc) is errors.ProxmoxAuthenticationError
    assert not exc.retryable
    assert "Authentication failed!" in exc.message
    assert "PROXMOX_TOKEN_ID" in exc.message  # for whoever runs the bot
    # What a customer may read names no setting of the bot.
    assert exc.public == (
        "the Proxmox cluster refused the bot's credentials; an admin needs to fix this"
    )


def test_only_an_operators_hint_is_reworded_for_customers() -> None:
    locked = errors.ProxmoxLocked("VM is locked (backup)")
    assert locked.public == locked.message
    tls = errors.ProxmoxTLSError("the certificate did not verify; set PROXMOX_CA_BUNDLE")
    assert "PROXMOX" not in tls.public
    odd = errors.ProxmoxProtocolError("no 'data' envelope (is PROXMOX_URL the API?)")
    assert odd.public == "Proxmox gave an answer the bot cannot use; an admin needs to fix this"


def test_401_without_any_reason_still_reads_well() -> None:
    exc = _fail_with(httpx.Response(401, content=b"", extensions={"reason_phrase": b""}))
    assert type(exc) is errors.ProxmoxAuthenticationError
    assert "Unauthorized" in exc.message


def test_400_carries_the_errors_map() -> None:
    exc = _fail_with(_replay("error-400-param-verification"), "POST")
    assert type(exc) is errors.ProxmoxParameterError
    assert exc.message == "Parameter verification failed."
    assert set(exc.errors) == {"ipconfig0", "vmid"}
    assert exc.errors["vmid"] == "invalid format - value does not look like a valid VM ID"
    assert "\n" not in str(exc)
    assert "vmid: invalid format" in str(exc)


def test_400_pve9_envelope_with_message_and_errors() -> None:
    exc = _fail_with(_replay("error-400-param-verification-pve9"), "POST")
    assert type(exc) is errors.ProxmoxParameterError
    assert exc.errors == {"tokenid": "Token already exists."}


def test_403_permission() -> None:
    exc = _fail_with(_replay("error-403-permission-pve9"))
    assert type(exc) is errors.ProxmoxPermissionError
    assert exc.message == "Permission check failed (/access, Sys.Audit)"


def test_checksum_mismatch_is_a_digest_conflict() -> None:
    reason = "checksum mismatch (file change by other user?)"
    exc = _fail_with(respond(500, {"data": None}, reason), "PUT")
    assert isinstance(exc, errors.ProxmoxConflict)
    assert exc.digest_mismatch
    assert not exc.retryable


def test_already_exists_is_a_conflict_but_not_a_digest_mismatch() -> None:
    exc = _fail_with(respond(500, {"data": None}, "VM 101 already exists on node 'pve2'"))
    assert isinstance(exc, errors.ProxmoxConflict)
    assert not exc.digest_mismatch


def test_does_not_exist_is_not_found() -> None:
    reason = "Configuration file 'nodes/pve1/qemu-server/999.conf' does not exist"
    exc = _fail_with(respond(500, {"data": None}, reason))
    assert type(exc) is errors.ProxmoxNotFound


def test_no_such_user_with_message_field_is_not_found() -> None:
    exc = _fail_with(_replay("error-500-with-message-pve9"))
    assert type(exc) is errors.ProxmoxNotFound


@pytest.mark.parametrize(
    ("status", "kind"), [(595, errors.ProxmoxUnreachable), (596, errors.ProxmoxTimeout)]
)
def test_proxy_pseudo_statuses_are_retryable(
    status: int, kind: type[errors.ProxmoxApiException]
) -> None:
    exc = _fail_with(respond(status, None, ""), "PUT")
    assert type(exc) is kind
    assert exc.retryable
    assert exc.message


def test_captured_596_with_reason() -> None:
    exc = _fail_with(_replay("error-596-proxy-timeout"), "PUT")
    assert type(exc) is errors.ProxmoxTimeout
    assert exc.message == "Connection timed out"


def test_html_error_page_from_a_proxy() -> None:
    html = b"<html><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>"
    response = httpx.Response(
        502,
        content=html,
        headers={"content-type": "text/html"},
        extensions={"reason_phrase": b"Bad Gateway"},
    )
    exc = _fail_with(response)
    assert type(exc) is errors.ProxmoxUnreachable
    assert exc.retryable
    assert exc.message == "Bad Gateway"
    assert "<html>" not in str(exc)


def test_non_json_200_body_is_a_protocol_error() -> None:
    response = httpx.Response(200, content=b"<html>login page</html>")
    exc = _fail_with(response)
    assert type(exc) is errors.ProxmoxProtocolError
    assert "data" in exc.message
    assert exc.status == 200


def test_200_with_null_where_a_upid_was_expected() -> None:
    client = mock_client(lambda _: respond(body={"data": None}))
    with pytest.raises(errors.ProxmoxProtocolError, match="got null"):
        expect_upid(client.post("/nodes/pve1/qemu/101/status/start"), "POST", "/x")
    with pytest.raises(errors.ProxmoxProtocolError, match="got null"):
        client.start_task("POST", "/nodes/pve1/qemu/101/status/start")


def test_501_not_implemented_is_a_server_error() -> None:
    exc = _fail_with(respond(501, {"data": None}, "Method 'GET /x' not implemented"))
    assert type(exc) is errors.ProxmoxServerError


def test_no_secret_in_any_exception_text() -> None:
    for status in (400, 401, 403, 500, 595, 596):
        exc = _fail_with(respond(status, {"data": None}, "nope"))
        for text in (str(exc), repr(exc)):
            assert TOKEN_SECRET not in text
            assert TOKEN_ID not in text


def test_exceptions_survive_pickling_for_rq() -> None:
    exc = _fail_with(_replay("error-400-param-verification"), "POST")
    copy = pickle.loads(pickle.dumps(exc))
    assert type(copy) is type(exc)
    assert copy.errors == exc.errors
    assert str(copy) == str(exc)


def test_classify_task_exit_texts() -> None:
    assert errors.classify_message("VM is locked (clone)") is errors.ProxmoxLocked
    assert errors.classify_message("shrinking disks is not supported") is errors.ProxmoxServerError


def test_without_removes_every_echo_of_a_secret_and_keeps_the_type() -> None:
    echoed = errors.ProxmoxParameterError(
        "Parameter verification failed: hunter2 is weak",
        method="POST",
        path="/nodes/pve1/qemu/101/agent/set-user-password",
        status=400,
        errors={"password": "value 'hunter2' too short"},
    )

    clean = echoed.without("hunter2")

    assert type(clean) is errors.ProxmoxParameterError
    assert "hunter2" not in str(clean)
    assert "hunter2" not in repr(clean)
    assert clean.errors == {"password": "value '<redacted>' too short"}
    assert (clean.method, clean.path, clean.status) == (echoed.method, echoed.path, 400)
