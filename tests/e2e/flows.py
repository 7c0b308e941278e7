"""The core flows both platform suites run, each with its documented success
(``checks.py``), how it must go (a confirmation, an admin's approval) and how the requester
is told it worked (the start of the outcome message in their channel)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from tests.e2e import checks
from tests.e2e.checks import Before, Run
from tests.support.chat import Shown
from tests.support.conversation import Done, approver_for
from tests.support.platforms import ChatKit, W, fill_placeholders, perform


@dataclass(frozen=True)
class Flow:
    actor: str
    line: str  # a ``<backup>`` is filled in from /server backup list 101 first
    check: Callable[[Run], None]
    outcome: str  # how the card's header starts (a read: the private answer)
    confirm: bool = False
    approval: bool = False
    read: bool = False  # answered privately with the data: no card


FLOWS: dict[str, Flow] = {
    "resize": Flow(
        "alice", "/server resize 101 cpu=4 memory=8G", checks.check_resize,
        "Resize · acme-web (101)", approval=True,
    ),
    "reboot": Flow(
        "alice", "/server reboot 101", checks.running_after("qmreboot"), "Reboot · acme-web (101)"
    ),
    "backup create": Flow(
        "alice", "/server backup create 101", checks.check_backup_create, "Backup · acme-web (101)"
    ),
    "backup list": Flow(
        "alice", "/server backup list 101", checks.check_backup_list, " · id 2026-12-0",
        read=True,
    ),
    "backup restore": Flow(
        "alice", "/server backup restore 101 <backup>", checks.check_backup_restore,
        "Restore backup · acme-web (101)", confirm=True, approval=True,
    ),
    "backup delete": Flow(
        "alice", "/server backup delete 101 <backup>", checks.check_backup_delete,
        "Delete backup · acme-web (101)", confirm=True,
    ),
    "password": Flow(
        "alice", "/server password 101", checks.check_password, "New password · acme-web (101)"
    ),
    "rebuild": Flow(
        "alice", "/server rebuild 101", checks.check_rebuild, "Rebuild · acme-web (101)",
        confirm=True, approval=True,
    ),
    "build": Flow(
        "boss", "/admin server create acme template=debian-12 cpu=2 memory=4G disk=40G",
        checks.check_build, "New server · ",
    ),
}  # fmt: skip


def run_flow(kit: ChatKit[W], flow: Flow) -> Run:
    """Run ``flow`` on the platform as its actor and check everything every flow promises:
    its documented success on the simulator, the confirmation and approval it needs (and
    only those), no error shown, and the outcome told in the requester's channel."""
    line = fill_placeholders(kit, flow.line, flow.actor)
    before = Before.of(kit.core)
    mark = kit.mark()
    done = perform(kit, flow.actor, line)
    run = Run(kit.core, done, before)
    flow.check(run)
    assert kit.shows(flow.actor, "confirm", since=mark) is flow.confirm, done.text
    assert _approval_cards(kit, flow.actor, mark) == (1 if flow.approval else 0)
    assert all(s.reply.tone != "error" for s in done.seen), done.text
    if flow.read:
        private = [s.text for s in done.seen if s.delivered_privately]
        assert any(flow.outcome in text for text in private), "\n".join(private)
        assert _posts(kit, flow.actor, done) == [], "a read posted in the channel"
    else:
        _one_card_and_one_notice(kit, flow, done)
    return run


def _posts(kit: ChatKit[W], actor: str, done: Done) -> list[Shown]:
    """What was posted for the request (not the bot's direct answers): the card, whoever
    posted it first, and the completion notice; in the requester's channel, or to them
    alone where cards are private (a Discord ephemeral follow-up, a DM)."""
    room = kit.room(actor)
    return [
        s for s in done.seen
        if (s.how == "post" and s.channel == room) or (s.how == "private" and s.message)
    ]  # fmt: skip


def _mentions(shown: Shown) -> bool:
    """A notice that notifies: the platforms' own mention (``<@U1>``) or, where the kit
    reads the reply itself, the flag that asks the notifier for one."""
    return shown.reply.mention or shown.text.startswith("<@")


def _one_card_and_one_notice(kit: ChatKit[W], flow: Flow, done: Done) -> None:
    """One card, edited in place until it shows the outcome, and one completion notice that
    mentions the requester: nothing else in the channel for the request."""
    posts = _posts(kit, flow.actor, done)
    notices = [s for s in posts if _mentions(s)]
    cards = [s for s in posts if not _mentions(s)]
    assert len(cards) == 1, "\n---\n".join(s.text for s in posts)
    assert len(notices) == 1, "\n---\n".join(s.text for s in posts)
    card = cards[0]
    assert card.text.startswith(flow.outcome), card.text
    final = [s for s in done.seen if s.message == card.message][-1]
    assert "✓ Done in" in final.text, final.text
    assert notices[0].text.endswith("is done."), notices[0].text


def _approval_cards(kit: ChatKit[W], actor: str, since: int) -> int:
    """Approval requests posted to the admin channel since ``since``."""
    seen = kit.seen(approver_for(actor), since=since)
    return sum(1 for s in seen if s.how == "post" and s.channel == kit.admin_channel and _asks(s))


def _asks(shown: Shown) -> bool:
    return any(b.action == "approve" for b in shown.reply.buttons)


def delivered_password(run: Run) -> str:
    """The one password shown privately to the requester; the server got exactly it (the
    simulator keeps the hash Proxmox would)."""
    (secret,) = [s.reply.code for s in run.done.seen if s.delivered_privately and s.reply.code]
    hashed = "$5$sim$" + hashlib.sha256(secret.encode()).hexdigest()
    assert run.vm(101).config["cipassword"] == hashed
    return secret
