"""The request's card as people use it: its buttons start requests of their own, with every
check a typed command gets."""

from __future__ import annotations

from bot.ports.reply import Button
from tests.support.conversation import perform
from tests.support.testbot import TestBot


def _resized_pending_a_reboot(bot: TestBot) -> Button:
    perform(bot, "alice", "/server resize 101 cpu=4 memory=8G")
    return bot.button("alice", "reboot")


def test_reboot_now_on_a_card_with_pending_changes_starts_a_reboot(testbot: TestBot) -> None:
    reboot = _resized_pending_a_reboot(testbot)
    assert (reboot.label, reboot.value) == ("Reboot now", "101")

    answer = testbot.click("alice", reboot).to_clicker
    testbot.settle()

    assert answer.text.startswith("reboot 101 is queued as #")
    assert [c.path for c in testbot.writes()][-1].endswith("/qemu/101/status/reboot")
    cards = [s for s in testbot.seen("alice") if s.how == "post" and s.reply.title]
    assert [s.reply.title for s in cards] == ["Resize · acme-web (101)", "Reboot · acme-web (101)"]
    assert "✓ Done in" in testbot.seen_text("alice").rsplit("Reboot · acme-web (101)", 1)[1]


def test_someone_else_clicking_it_learns_nothing(testbot: TestBot) -> None:
    reboot = _resized_pending_a_reboot(testbot)
    writes, jobs = len(testbot.writes()), testbot.jobs_created()

    answer = testbot.click("gina", reboot).to_clicker
    testbot.settle()

    assert answer.text == "server 101 not found"
    assert (len(testbot.writes()), testbot.jobs_created()) == (writes, jobs)
    assert "refused" in testbot.audit_events()


def test_a_tampered_value_runs_nothing(testbot: TestBot) -> None:
    reboot = _resized_pending_a_reboot(testbot)
    writes, jobs = len(testbot.writes()), testbot.jobs_created()
    tampered = reboot.model_copy(update={"value": "101 dry-run=yes"})

    answer = testbot.click("alice", tampered).to_clicker
    testbot.settle()

    assert answer.tone == "warning"
    assert (len(testbot.writes()), testbot.jobs_created()) == (writes, jobs)
