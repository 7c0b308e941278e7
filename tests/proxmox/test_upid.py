"""UPID parse/format against every real UPID, and clear refusals of malformed ones."""

from __future__ import annotations

from typing import Any

import pytest

from proxmox.upid import UPID, InvalidUPID
from tests.proxmox.captures import data_of

REAL_UPIDS: list[dict[str, Any]] = data_of("upids")


@pytest.mark.parametrize("entry", REAL_UPIDS, ids=[e["upid"] for e in REAL_UPIDS])
def test_real_upids_parse_and_format_back_exactly(entry: dict[str, Any]) -> None:
    upid = UPID.parse(entry["upid"])
    decoded = entry["decoded"]
    assert (upid.node, upid.pid, upid.pstart, upid.starttime) == (
        decoded["node"],
        decoded["pid"],
        decoded["pstart"],
        decoded["starttime"],
    )
    assert (upid.type, upid.id, upid.user) == (decoded["type"], decoded["id"], decoded["user"])
    assert str(upid) == entry["upid"]


def test_there_are_real_upids_to_check() -> None:
    assert len(REAL_UPIDS) >= 10


def test_token_user_and_vmid() -> None:
    upid = UPID.parse("UPID:pve:00001ED0:00035693:66343A23:qmshutdown:100:terraform@pve!provider:")
    assert upid.tokenid == "provider"
    assert upid.vmid == 100
    plain = UPID.parse("UPID:node:000CFC5C:03E8D0C3:6194806C:aptupdate::root@pam:")
    assert plain.tokenid is None
    assert plain.vmid is None


def test_nine_digit_pstart_round_trips() -> None:
    text = "UPID:pve1:00010D94:1001CA6EA:6124E1B9:vzdump:100:root@pam:"
    assert str(UPID.parse(text)) == text


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "UPID:",
        # the test authors' edited captures: text after the final ':'
        "UPID:node1:000FF1FD:10F9374C:630D702C:vzdump:110:root@pam:keep-running",
        "UPID:pve1:00010D94:001CA6EA:6124E1B9:vzdump:100:root@pam",  # no final ':'
        "UPID:pve1:10D94:001CA6EA:6124E1B9:vzdump:100:root@pam:",  # short pid
        "UPID:pve1:00010D94:001CA6EA:6124E1B9::100:root@pam:",  # empty type
        "UPID:-pve:00010D94:001CA6EA:6124E1B9:vzdump:100:root@pam:",  # bad node
        "upid:pve1:00010D94:001CA6EA:6124E1B9:vzdump:100:root@pam:",
        "UPID:pve1:00010D94:001CA6EA:6124E1B9:vzdump:1/0:root@pam:",
    ],
)
def test_malformed_upids_are_refused_clearly(bad: str) -> None:
    with pytest.raises(InvalidUPID) as caught:
        UPID.parse(bad)
    message = str(caught.value)
    assert message.startswith("not a Proxmox task id (UPID): ")
    assert "UPID:<node>:<pid>:<pstart>:<starttime>:<type>:<id>:<user>:" in message
    assert not UPID.is_valid(bad)


@pytest.mark.parametrize("bad", [None, 42, b"UPID:x"])
def test_non_strings_are_refused(bad: object) -> None:
    with pytest.raises(InvalidUPID, match="not a Proxmox task id"):
        UPID.parse(bad)


def test_a_huge_string_is_shown_shortened() -> None:
    with pytest.raises(InvalidUPID) as caught:
        UPID.parse("x" * 10_000)
    assert len(str(caught.value)) < 300
