"""``jotunheim demo --script`` end to end: simulator over HTTP, an in-process RQ worker, real
Redis (db 15, a prefix of the test's own) or the embedded fakeredis; the transcript asserted."""

from __future__ import annotations

import re
import socket
import uuid

import pytest
import redis

from bot.run.demo import main
from proxmox.upid import UPID
from tests.conftest import redis_url

PRIVATE = "[only @alice sees this] "
UPID_LINE = re.compile(r"^  Task: (UPID:\S+)$", re.MULTILINE)


def _run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str,
         *args: str) -> str:  # fmt: skip
    monkeypatch.setenv("REDIS_URL", url)
    assert main(["--script", *args]) == 0
    return capsys.readouterr().out


def _in_order(text: str, *parts: str) -> None:
    position = 0
    for part in parts:
        found = text.find(part, position)
        assert found >= 0, f"{part!r} missing (or out of order) after position {position}"
        position = found + len(part)


def _section(text: str, number: int) -> str:
    start = text.index(f"── {number}. ")
    end = text.find("\n── ", start + 1)
    return text[start:end]


def test_the_scripted_conversation_on_real_redis(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], redis_client: redis.Redis
) -> None:
    prefix = f"test-demo-{uuid.uuid4().hex[:8]}"
    out = _run(monkeypatch, capsys, redis_url(), "--prefix", prefix)

    assert out.startswith("Redis: using the server at redis://")
    assert out.splitlines()[0].endswith("/15")
    _in_order(
        out,
        "── 1. the customer lists their servers",
        "alice> /server list",
        "101: acme-web: running",
        "── 2. the customer asks for a resize",
        "alice> /server resize 101 cpu=4 disk=40G",
        "[#admins] Approval request ",
        "[#console] Resize · acme-web (101)",
        "⏳ Waiting for an admin's approval until ",
        "needs an admin's approval (#",
        "── 3. the admin approves",
        "boss> /admin approvals",
        "boss> approve ",
        "approved by @boss",
        "Resize · acme-web (101)",
        "✓ Done in ",
        "• disk grown to 40 GiB",
        "⚠ Takes effect after a reboot: cores 2 → 4",
        "  Task: UPID:pve1:",
        "@alice Resize of acme-web (101) is done.",
        "alice> /server task #",
        " resize 101 — succeeded in ",
        "── 4. the customer reboots",
        "alice> /server reboot 101",
        "Reboot · acme-web (101)",
        ":qmreboot:101:",
        "✓ Done in ",
        "@alice Reboot of acme-web (101) is done.",
        "── 5. the customer takes a backup",
        "Backup · acme-web (101)",
        ":vzdump:101:",
        "✓ Done in ",
        "── 6. a new password",
        "alice> /server password 101",
        PRIVATE + "Your new password for acme on server 101 (being set now):",
        "── 7. someone who is not linked is refused",
        "mallory> /server list",
        "this chat user is not linked to an account",
        "── 8. a bad argument gets its usage line",
        "cpu: expected a whole number from 1 to 64; got 'lots'",
        "usage: /server resize <vm> [cpu=N] [memory=SIZE] [disk=SIZE|+SIZE]",
        "── 9. the admin looks at the queue",
        "default  queued 0",
        "── done: the whole conversation ran",
    )
    assert "globex-app" not in _section(out, 1)  # another account's server stays hidden
    upids = list(dict.fromkeys(UPID_LINE.findall(out)))  # each card shows its task until done
    assert [UPID.parse(u).type for u in upids] == ["resize", "qmreboot", "vzdump"]
    assert all(UPID.parse(u).vmid == 101 for u in upids)

    private = [line for line in out.splitlines() if line.startswith(PRIVATE)]
    password = private[-1].removeprefix(PRIVATE)
    assert len(password) >= 12
    assert " " not in password
    assert out.count(password) == 1  # only in the private line: not in the channel, not in logs

    assert "removed the demo's" in out
    leftovers = [*redis_client.scan_iter(match=f"{prefix}:*"),
                 *redis_client.scan_iter(match=f"rq:*{prefix}-*")]  # fmt: skip
    assert leftovers == []


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_without_a_redis_server_the_embedded_fakeredis_is_used(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    port = _closed_port()
    out = _run(monkeypatch, capsys, f"redis://127.0.0.1:{port}/0")

    assert out.startswith(
        f"Redis: nothing answered at redis://127.0.0.1:{port}/0; using the embedded fakeredis"
    )
    _in_order(out, "boss> approve ", "  Task: UPID:pve1:", "✓ Done in ", "── done")
