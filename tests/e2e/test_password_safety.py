"""A new password reaches its owner before it is set: when the private message cannot be
delivered, the server keeps its old password and nobody is shown a success."""

from __future__ import annotations

from tests.support.testbot import TestBot


def test_a_password_that_cannot_be_delivered_is_not_set(testbot: TestBot) -> None:
    before = testbot.sim.vms[101].config["cipassword"]
    testbot.send("alice", "/server password 101")
    testbot.chat.fail_next(1)  # the chat platform refuses the private message

    testbot.settle()

    assert testbot.sim.vms[101].config["cipassword"] == before
    assert [c.path for c in testbot.writes() if c.path.endswith("/config")] == []
    seen = testbot.seen_text("alice")
    assert (
        "✗ Failed while setting a new password: I could not reach you privately, so the "
        "password was not changed" in seen
    )
    assert "✓" not in seen
    assert not [s for s in testbot.seen("alice") if s.how == "private"]


def test_a_delivered_password_is_the_one_the_server_got(testbot: TestBot) -> None:
    testbot.send("alice", "/server password 101")
    testbot.settle()

    [private] = [s for s in testbot.seen("alice") if s.how == "private"]
    assert private.reply.text == "Your new password for acme on server 101 (being set now):"
    assert private.reply.code
    assert testbot.sim.vms[101].guest_passwords == {"acme": private.reply.code}
    assert "✓ Done in" in testbot.seen_text("alice")
