"""ProxmoxClient on the wire: envelope, JSON bodies, query strings, booleans, auth header."""

from __future__ import annotations

import json

import httpx
import pytest
import respx
from pydantic import SecretStr

from proxmox.client import ProxmoxClient, expect_dict, expect_list, expect_upid, path_of
from proxmox.errors import ProxmoxProtocolError
from proxmox.upid import UPID
from tests.proxmox.captures import TOKEN_ID, TOKEN_SECRET, envelope_of, mock_client, respond

UPID_TEXT = "UPID:pve1:00010D94:001CA6EA:6124E1B9:vzdump:100:root@pam:"


def test_unwraps_data_of_a_real_answer() -> None:
    client = mock_client(lambda _: httpx.Response(200, json=envelope_of("nodes-list-4node")))
    nodes = client.get("/nodes")
    assert [n["node"] for n in nodes] == ["node1", "node2", "node3", "node4"]


def test_base_url_gets_api_suffix_once() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return respond(body={"data": None})

    mock_client(handler).get("/version")
    client = ProxmoxClient(
        "https://pve.test:8006/api2/json/",
        TOKEN_ID,
        SecretStr(TOKEN_SECRET),
        transport=httpx.MockTransport(handler),
    )
    client.get("/version")
    assert seen == ["https://pve.test:8006/api2/json/version"] * 2


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_writes_send_json_bodies_with_bool_as_int(method: str) -> None:
    captured: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        captured.append(request)
        return respond(body={"data": None})

    client = mock_client(handler)
    client.request(method, "/x", data={"full": True, "onboot": False, "name": "a b", "skip": None})
    request = captured[0]
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {"full": 1, "onboot": 0, "name": "a b"}
    assert request.url.query == b""


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_reads_and_deletes_send_query_parameters(method: str) -> None:
    captured: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        captured.append(request)
        return respond(body={"data": None})

    mock_client(handler).request(method, "/x", params={"purge": True, "vmid": 101, "no": None})
    request = captured[0]
    assert dict(request.url.params) == {"purge": "1", "vmid": "101"}
    assert request.content == b""


def test_authorization_header_is_a_pve_api_token() -> None:
    with respx.mock(base_url="https://pve.test:8006/api2/json") as router:
        route = router.get("/version").mock(return_value=httpx.Response(200, json={"data": {}}))
        mock_free = ProxmoxClient("https://pve.test:8006", TOKEN_ID, SecretStr(TOKEN_SECRET))
        mock_free.get("/version")
    sent = route.calls.last.request.headers["authorization"]
    assert sent == f"PVEAPIToken={TOKEN_ID}={TOKEN_SECRET}"


def test_get_with_total_returns_the_envelope_total() -> None:
    body = {"data": [{"n": 1, "t": "a"}], "total": "7"}
    client = mock_client(lambda _: httpx.Response(200, json=body))
    assert client.get_with_total("/nodes/pve1/tasks") == ([{"n": 1, "t": "a"}], 7)


def test_client_repr_hides_the_token() -> None:
    client = mock_client(lambda _: respond(body={"data": None}))
    assert TOKEN_SECRET not in repr(client)
    assert TOKEN_ID not in repr(client)
    assert "redacted" in repr(client)


def test_expect_upid_parses_and_refuses_null() -> None:
    assert expect_upid(UPID_TEXT, "POST", "/x") == UPID.parse(UPID_TEXT)
    with pytest.raises(
        ProxmoxProtocolError, match=r"expected a task id \(UPID\) from Proxmox, got null"
    ):
        expect_upid(None, "POST", "/x")


def test_expect_dict_and_list_name_what_they_got() -> None:
    with pytest.raises(ProxmoxProtocolError, match="expected an object from Proxmox, got list"):
        expect_dict([], "GET", "/x")
    with pytest.raises(ProxmoxProtocolError, match="expected a list from Proxmox, got str"):
        expect_list("x", "GET", "/x")


def test_path_of_quotes_segments_but_keeps_colon_and_at() -> None:
    path = path_of("nodes", "pve1", "storage", "backup", "content", "backup:backup/a b.vma.zst")
    assert path == "/nodes/pve1/storage/backup/content/backup:backup%2Fa%20b.vma.zst"
