"""Every refused button click leaves an audit entry: who clicked, what (the button's action
and value), where, and why (the refusal they were shown)."""

from __future__ import annotations

import time

from bot.parser import shown
from bot.ports.audit import AuditEntry
from bot.ports.reply import Button
from tests.commands.kit import hold_busy_lock
from tests.support.testbot import ADMIN_CHANNEL, TestBot, identity, room, running_testbot


def request_resize(bot: TestBot) -> str:
    bot.send("alice", "/server resize 101 cpu=4")
    (pending,) = bot.handler.stores.approvals.pending()
    return pending.request.id


def ask_confirmation(bot: TestBot, line: str = "/server stop 101") -> Button:
    return bot.send("alice", line).buttons[0]


def button(action: str, value: str) -> Button:
    """A button as a client may send it: any action, any value (tampered ones too). No
    button we render could carry such a value, so it is built without validation."""
    return Button.model_construct(action=action, value=value, label=action)


def refusals(bot: TestBot) -> list[AuditEntry]:
    return [e for e in bot.handler.stores.audit.recent(limit=500) if e.event == "refused"]


def assert_refused_click(
    bot: TestBot, user: str, clicked: Button, *, channel: str | None = None
) -> str:
    """Click, and check the one new audit entry matches what the clicker was told.
    ``channel``: where the button was shown (default: the clicker's own room)."""
    before = len(refusals(bot))
    text = bot.click(user, clicked).to_clicker.text
    entries = refusals(bot)
    assert len(entries) == before + 1
    entry = entries[0]
    assert entry.actor == identity(user).key
    assert entry.args == {"action": clicked.action, "value": clicked.value}
    assert entry.command == f"button {shown(clicked.action)} {shown(clicked.value)}"
    assert entry.result == text
    assert entry.where == f"console:{channel or room(user)}"
    return text


def test_a_customer_clicking_approve(testbot: TestBot) -> None:
    request_resize(testbot)
    approve = testbot.button("boss", "approve")  # on the card in #admins
    text = assert_refused_click(testbot, "alice", approve, channel=ADMIN_CHANNEL)
    assert text == "only admins can decide approval requests"


def test_someone_elses_confirm(testbot: TestBot) -> None:
    confirm = ask_confirmation(testbot)
    text = assert_refused_click(testbot, "gina", confirm)
    assert text == "only the person who asked can confirm or cancel this"
    assert testbot.jobs_created() == 0


def test_a_self_approval(testbot: TestBot) -> None:
    approval_id = request_resize(testbot)
    # the bot restarted with alice an admin, on the same Redis and prefix
    admins = {"admins_console": frozenset({"alice"})}
    with running_testbot(testbot.client, testbot.prefix, sim=testbot.sim, policy=admins) as again:
        text = assert_refused_click(again, "alice", button("approve", approval_id))
    assert text == "you cannot decide your own request"


def test_tampered_and_garbage_values(testbot: TestBot) -> None:
    garbage = "../../etc;rm -rf /\x00" + "x" * 50
    assert assert_refused_click(testbot, "boss", button("approve", "../x")) == (
        "no approval request ../x"
    )
    assert assert_refused_click(testbot, "alice", button("confirm", garbage)) == (
        "this confirmation has expired or was already used; nothing was done"
    )


def test_a_tampered_value_is_cut_short_in_the_audit(testbot: TestBot) -> None:
    testbot.click("boss", button("deny", "z" * 5000))
    (entry,) = refusals(testbot)
    assert entry.args["value"] == "z" * 100
    assert len(entry.command) < 100


def test_an_unknown_action(testbot: TestBot) -> None:
    text = assert_refused_click(testbot, "boss", button("explode", "101"))
    assert text == "unknown button 'explode'"


def test_a_second_click_after_the_decision(testbot: TestBot) -> None:
    approval_id = request_resize(testbot)
    deny = testbot.button("root", "deny", approval_id)
    assert "queued" in testbot.approve("boss", approval_id).to_clicker.text
    # root clicks the Deny they were shown before boss's Approve replaced the card
    text = assert_refused_click(testbot, "root", deny)
    assert text == f"request {approval_id} was already approved by @boss"


def test_a_second_confirm_after_it_was_used(testbot: TestBot) -> None:
    confirm = ask_confirmation(testbot)
    assert "queued" in testbot.click("alice", confirm).to_clicker.text
    text = assert_refused_click(testbot, "alice", button("cancel", confirm.value))
    assert text == "this confirmation has expired or was already used; nothing was done"


def test_an_expired_confirmation(testbot: TestBot) -> None:
    confirm = ask_confirmation(testbot)
    # a confirmation's lifetime is its Redis key's TTL (Redis's own clock, not the bot's)
    testbot.client.pexpire(f"{testbot.prefix}:confirm:{confirm.value}", 1)
    time.sleep(0.01)
    text = assert_refused_click(testbot, "alice", confirm)
    assert text == "this confirmation has expired or was already used; nothing was done"
    assert testbot.jobs_created() == 0


def test_an_expired_approval(testbot: TestBot) -> None:
    approval_id = request_resize(testbot)
    testbot.clock.advance(testbot.handler.stores.approvals.ttl + 1)
    approve = testbot.button("boss", "approve", approval_id)
    text = assert_refused_click(testbot, "boss", approve, channel=ADMIN_CHANNEL)
    assert text == f"request {approval_id} has expired; nothing was done"


def test_a_confirmed_command_refused_on_its_rerun_is_audited_once(testbot: TestBot) -> None:
    confirm = ask_confirmation(testbot)
    # meanwhile an admin's resize of 101 started on the worker: it holds the busy lock
    hold_busy_lock(
        testbot, 101, kind="server.resize", requester="@root", job_id=f"{testbot.prefix}-77"
    )
    result = testbot.click("alice", confirm)
    assert result.to_clicker.text.startswith("server 101 is busy: resize started by @root")
    assert result.replace_message is None
    (entry,) = refusals(testbot)
    assert entry.command == "/server stop 101"  # the command's refusal, not a second one
    assert entry.result == result.to_clicker.text
    assert testbot.jobs_created() == 0
