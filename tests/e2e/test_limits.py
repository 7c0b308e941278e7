"""Issue 13's platform limits, with extreme data, through the real Slack and Discord paths.

10,000 servers in the inventory, 60 approvals pending, a Proxmox error of 4,000 characters
(an API call's reason and a task's exit status): every kind of reply is typed, clicked or
posted by the worker through the real bolt App or discord.py tree and the real notifiers,
and every payload either platform was sent passes every limit check of
``tests/support/limits.py``. Then every item is reachable: the admin clicks Next through all
400 pages of ``/server list``, a customer through theirs, the admin through the approvals,
and each VMID and each approval appears exactly once (the customer's: only theirs).
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from tests.support.big_fleet import FIRST_VMID, seed_fleet
from tests.support.chat import Shown
from tests.support.discord_fakes import run_autocomplete
from tests.support.discordbot import DiscordKit, interaction_payload, member, running_discordbot
from tests.support.limits import choices_problems, discord_problems, slack_problems
from tests.support.platforms import ChatKit
from tests.support.slackbot import SlackKit, running_slackbot

DEMO_VMS = 5  # the demo fleet: three servers, two templates
BULK = 10_000 - DEMO_VMS  # so the inventory holds exactly 10,000
ACME_EVERY = 100  # every 100th bulk server is acme's (alice's account)
PENDING = 60
PROXMOX_ERROR = (
    "command '/usr/bin/kvm -id 101 -name acme-web,debug-threads=on -no-shutdown "
    "-chardev socket,id=qmp,path=/var/run/qemu-server/101.qmp,server=on,wait=off "
    "& <more> ' failed: got timeout; "
)
LONG_ERROR = (PROXMOX_ERROR * 40)[:4000]
_PAGE_VALUE = re.compile(r"\b(?:servers|approvals|nodes|audit|queue)\.\d+\b")
READS = {
    "alice": [
        "/server help",
        "/server help resize",
        "/server list",
        "/server status 101",
        "/server backup list 101",
        "/auth whoami",
    ],
    "boss": [
        "/admin help",
        "/server list",
        "/admin approvals",
        "/admin node list",
        "/admin node status",
        "/admin audit",
        "/admin audit acme",
        "/admin queue",
        "/server reboot 101",  # the API call fails with the 4,000-character reason
        "/server start 102",  # the task fails with it as its exit status
    ],
}


@pytest.fixture(params=["slack", "discord"])
def kit(request: pytest.FixtureRequest, testbot_redis: redis.Redis) -> Iterator[ChatKit[Any]]:
    prefix = f"limits-{uuid.uuid4().hex[:10]}"
    running = running_slackbot if request.param == "slack" else running_discordbot
    with running(testbot_redis, prefix) as chat:
        yield chat


def test_every_reply_fits_and_every_item_is_reachable(kit: ChatKit[Any]) -> None:
    core = kit.core
    seed_fleet(core, BULK, owner=lambda n: "acme" if n % ACME_EVERY == 0 else f"cust{n % 97}")
    acme = [FIRST_VMID + n for n in range(0, BULK, ACME_EVERY)]
    for n, vmid in enumerate(acme[:PENDING]):
        if n % 20 == 0:
            core.clock.advance(61)  # the account's 40 commands a minute
        kit.send("alice", f"/server resize {vmid} cpu=4 memory=8G")
    approvals = [a.request.id for a in core.handler.stores.approvals.pending()]
    assert len(approvals) == PENDING

    core.sim.faults.fail_next(500, LONG_ERROR, method="POST", path=r"/qemu/101/status/reboot")
    core.sim.faults.fail_next_task("qmstart", LONG_ERROR)
    core.clock.advance(61)
    for user, lines in READS.items():
        for line in lines:
            kit.send(user, line)
            kit.settle()
    shown = "\n".join(s.text for s in kit.seen("boss"))
    assert LONG_ERROR[:200] in shown  # the error reached the card, cut to fit

    servers = page_through(kit, "boss", "/server list")
    assert servers[1].reply.text.startswith("page 2 of 400 · 10,000 servers; inventory from")
    every = [f.label for s in servers for f in s.reply.fields]
    assert len(every) == 10_000
    assert set(every) == {str(v) for v in core.handler.stores.inventory.vmids()}

    core.clock.advance(61)
    own = page_through(kit, "alice", "/server list")
    assert [f.label for s in own for f in s.reply.fields] == ["101", "102", *map(str, acme)]
    assert all(" · " not in f.value for s in own for f in s.reply.fields)  # no owners shown

    pending = page_through(kit, "boss", "/admin approvals")
    assert len(pending) == PENDING // 10
    lines = [line for s in pending for line in (s.reply.code or "").split("\n")]
    assert sorted(line.split(":")[0] for line in lines) == sorted(approvals)

    kit.press("boss", "approve")  # a decided approval card, and the card of its job
    kit.settle()
    assert payload_problems(kit) == []


def page_through(kit: ChatKit[Any], user: str, line: str) -> list[Shown]:
    """Type ``line``, then click Next on each page until the last: the pages, in order."""
    mark = kit.mark()
    kit.send(user, line)
    pages = [kit.seen(user, since=mark)[-1]]
    while any(b.label == "Next" for b in pages[-1].reply.buttons):
        mark = kit.mark()
        kit.press(user, "page", label="Next", since=mark - 1)
        [page] = kit.seen(user, since=mark)  # the new page, and nothing else
        assert page.how == "edit"  # in place of the page before it
        assert page.message == pages[-1].message
        pages.append(page)
    first = re.search(r"page 1 of ([\d,]+)", pages[0].reply.text)
    assert first is not None, pages[0].reply.text
    assert len(pages) == int(first[1].replace(",", ""))  # as many as the first page said
    return pages


def payload_problems(kit: ChatKit[Any]) -> list[str]:
    """Every limit every payload broke (each message, answer, edit and autocomplete), and
    any page button value shown as text rather than carried in the button."""
    sent = payloads(kit)
    check = slack_problems if isinstance(kit, SlackKit) else discord_problems
    found = [f"{where}: {p}" for where, body in sent for p in check(body)]
    found += [f"{where}: a page value shown: {v}" for where, v in _shown_page_values(sent)]
    return found + (discord_choices_problems(kit) if isinstance(kit, DiscordKit) else [])


def payloads(kit: ChatKit[Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every message body the platform was sent: acks or interaction responses, and every
    Web API / REST call that posts, edits or answers (response URLs, webhooks)."""
    if isinstance(kit, SlackKit):
        bodies = [("ack", body) for body in kit.acked if body]
        return bodies + [(c.method, c.body) for c in kit.api.calls if c.method != "auth.test"]
    assert isinstance(kit, DiscordKit)
    responses = [
        (sent.method, interaction_payload(sent.kwargs))
        for interaction in kit.interactions
        for sent in interaction.sent
        if sent.method not in ("defer", "autocomplete")
    ]
    posts = [
        (f"{c.method} {c.path}", c.body)
        for c in kit.api.calls
        if c.method in ("POST", "PATCH") and re.search(r"/messages|/webhooks/", c.path)
    ]
    return responses + posts


def _shown_page_values(sent: list[tuple[str, dict[str, Any]]]) -> Iterator[tuple[str, str]]:
    """A page value (``servers.2``) anywhere but in a button's value or custom_id."""
    for where, body in sent:
        visible = json.dumps(_without_button_ids(body))
        for found in _PAGE_VALUE.finditer(visible):
            yield where, found[0]


def _without_button_ids(body: Any) -> Any:
    if isinstance(body, dict):
        hidden = {"value"} if body.get("type") == "button" else {"custom_id"}
        return {k: _without_button_ids(v) for k, v in body.items() if k not in hidden}
    if isinstance(body, list):
        return [_without_button_ids(item) for item in body]
    return body


def discord_choices_problems(kit: DiscordKit) -> list[str]:
    """Autocomplete over 10,000 servers, and the options the tree declares."""
    typed = asyncio.run(
        run_autocomplete(kit.bot, "server", ["status"], {"vm": "1"}, "vm", user=member("boss"))
    )
    [answer] = typed.sent
    offered = [(c.name, str(c.value)) for c in answer.kwargs["choices"]]
    assert len(offered) == 25  # as many as Discord shows, out of thousands that match
    declared = [c.to_dict(kit.bot.tree) for c in kit.bot.tree.get_commands()]
    found = choices_problems(offered)
    for option in _options(declared):
        found += choices_problems((c["name"], str(c["value"])) for c in option.get("choices", []))
    return found


def _options(tree: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Every option of every (sub)command, however deep."""
    for node in tree:
        yield node
        yield from _options(node.get("options") or [])
