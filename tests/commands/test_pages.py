"""Long lists answer a page at a time (``bot/pages.py``): the page says where it is, Next and
Previous run the list's command again with ``page=N`` as the clicker, with every check a
typed command gets, and a button carries only which list and which page.

Through the testbot: alice (acme) owns 101 and 102 and, here, 58 more seeded servers; gina
(globex) owns 103 and 40 more; 200 belong to no one; boss is an admin."""

from __future__ import annotations

import shlex

import pytest

from bot import pages
from bot.ports import ButtonClick, ClickResult
from bot.ports.paging import page_value
from bot.ports.reply import Button, Reply
from tests.support.big_fleet import FIRST_VMID, seed_fleet
from tests.support.testbot import TestBot, identity, room

ACME, GLOBEX, NOBODY = 58, 40, 200


@pytest.fixture
def fleet(testbot: TestBot) -> TestBot:
    owners = ["acme"] * ACME + ["globex"] * GLOBEX + [None] * NOBODY
    seed_fleet(testbot, len(owners), owner=lambda n: owners[n])
    return testbot


def labels(reply: Reply) -> list[str]:
    return [f.label for f in reply.fields]


def next_button(reply: Reply) -> Button | None:
    return next((b for b in reply.buttons if b.label == "Next"), None)


def page_through(bot: TestBot, user: str, line: str) -> list[Reply]:
    """Type ``line``, then click Next until there is none: every page, in order."""
    shown = [bot.send(user, line)]
    while (button := next_button(shown[-1])) is not None:
        result = bot.click(user, button)
        assert result.in_place
        assert result.replace_message is None
        shown.append(result.to_clicker)
    return shown


def test_a_customer_pages_through_their_own_servers_only(fleet: TestBot) -> None:
    shown = page_through(fleet, "alice", "/server list")

    assert [r.text.split(";")[0] for r in shown] == [
        "page 1 of 3 · 60 servers",
        "page 2 of 3 · 60 servers",
        "page 3 of 3 · 60 servers",
    ]
    assert [len(r.fields) for r in shown] == [25, 25, 10]
    everything = [label for r in shown for label in labels(r)]
    mine = ["101", "102", *(str(FIRST_VMID + n) for n in range(ACME))]
    assert everything == mine  # each exactly once, by VMID
    assert [[b.label for b in r.buttons] for r in shown] == [
        ["Next"],
        ["Previous", "Next"],
        ["Previous"],
    ]
    assert shown[1].buttons[0].value == "servers.1"
    assert shown[1].buttons[1].value == "servers.3"


def test_an_admin_pages_through_the_fleet_with_its_owners(fleet: TestBot) -> None:
    shown = page_through(fleet, "boss", "/server list")

    total = 5 + ACME + GLOBEX + NOBODY  # the demo's three servers and two templates
    assert shown[0].text.startswith(f"page 1 of 13 · {total} servers")
    assert len({label for r in shown for label in labels(r)}) == total
    assert sum(len(r.fields) for r in shown) == total
    assert shown[-1].fields[-1].value.endswith(" · no owner")


def test_a_page_button_shows_the_clicker_their_own_list(fleet: TestBot) -> None:
    """The value names a list and a page, not whose: gina clicking a button like alice's
    (or a tampered one) sees her own servers, and one past her last page shows her last."""
    alices = fleet.send("alice", "/server list")
    button = next_button(alices)
    assert button is not None

    ginas = fleet.click("gina", button).to_clicker
    beyond = fleet.click("gina", Button(action="page", value="servers.9", label="Next"))

    assert ginas.text.startswith("page 2 of 2 · 41 servers")
    assert all(f.value.startswith("bulk-") for f in ginas.fields)
    # Her first page held 103 and 24 of her seeded servers; the other 16 are on this one.
    assert set(labels(ginas)) == {str(FIRST_VMID + ACME + n) for n in range(24, GLOBEX)}
    assert beyond.to_clicker.model_dump() == ginas.model_dump()


def test_a_page_click_is_checked_and_audited_like_the_typed_command(fleet: TestBot) -> None:
    admin_page = Button(action="page", value="approvals.2", label="Next")

    refused = fleet.click("alice", admin_page)
    unlinked = fleet.click("mallory", Button(action="page", value="servers.2", label="Next"))

    assert refused.to_clicker.text == "/admin approvals is for admins only"
    assert unlinked.to_clicker.text.startswith("this chat user is not linked to an account")
    # A refusal arrives beside the list; it does not take the list's place.
    assert not refused.in_place
    assert not unlinked.in_place
    commands = [e.command for e in fleet.handler.stores.audit.recent(limit=10)]
    assert "/admin approvals page=2" in commands
    assert "/server list page=2" in commands


@pytest.mark.parametrize(
    ("value", "refusal"),
    [
        ("servers.x", "page: expected a page number, from 1; got '?'"),
        ("nothing.2", "page: expected a page number, from 1; got '?'"),
        ("servers", "page: expected a page number, from 1; got '?'"),
        ("audit.1.", "page=1"),
        ("audit.2._zz", "filter: expected a VMID, an account or a user key; got '?'"),
    ],
)
def test_a_tampered_page_value_runs_nothing_it_should_not(
    fleet: TestBot, value: str, refusal: str
) -> None:
    click = ButtonClick(
        identity=identity("boss"),
        display_name="boss",
        action="page",
        value=value,
        inbound_id=f"{fleet.prefix}-tampered",
        channel=room("boss"),
    )
    result: ClickResult = fleet.handler.click(click)

    if refusal.startswith("page="):  # an empty filter is no filter: the first audit page
        assert "audit" in result.to_clicker.text
    else:
        assert refusal in result.to_clicker.text
    assert fleet.jobs_created() == 0


def test_the_audit_filter_travels_in_the_button_and_reads_back_exactly() -> None:
    for wanted in ("101", "acme", "slack:T0001:UALICE", "discord:1111:40", "console:console:ä_b"):
        value = page_value("audit", 2, wanted)
        assert Button(action="page", value=value, label="Next").value == value  # carriable
        assert ":" not in value
        scope, text = pages.command_of(value)
        assert (scope, text) == ("admin", f"audit {shlex.quote(wanted)} page=2")


def test_an_admin_page_click_in_a_dm_is_refused_as_the_typed_command_is(fleet: TestBot) -> None:
    click = ButtonClick(
        identity=identity("boss"),
        display_name="boss",
        action="page",
        value="approvals.1",
        inbound_id=f"{fleet.prefix}-dm",
        channel="dm-boss",
        is_direct_message=True,
    )

    assert fleet.handler.click(click).to_clicker.text == (
        "/admin approvals cannot be used in a direct message"
    )


def test_typed_pages_and_short_lists(fleet: TestBot) -> None:
    typed = fleet.send("alice", "/server list page=3")
    short = fleet.send("boss", "/admin node list page=4")

    assert typed.text.startswith("page 3 of 3 · 60 servers")
    assert short.text == "3 node(s)"  # one page: no page line, no buttons
    assert short.buttons == ()


def test_the_audit_keeps_its_filter_from_page_to_page(fleet: TestBot) -> None:
    for _ in range(25):  # more than the 20 recent entries the audit shows
        fleet.send("alice", "/server list")
        fleet.send("gina", "/server list")

    shown = page_through(fleet, "boss", "/admin audit acme")

    assert [r.text for r in shown] == [
        "page 1 of 2 · 20 recent audit entries",
        "page 2 of 2 · 20 recent audit entries",
    ]
    lines = [line for r in shown for line in (r.code or "").split("\n")]
    assert len(lines) == 20
    assert all(" invocation @alice /server list" in line for line in lines)
    assert shown[0].buttons[0].value == "audit.2.acme"
