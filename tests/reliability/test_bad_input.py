"""Hostile or broken input, generated: command text and button payloads. Every one gets a
clear refusal; nothing is enqueued and nothing reaches Proxmox."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
import redis
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.parser import ParseError, parse
from bot.ports.invocation import Invocation
from bot.ports.reply import Button, Reply
from tests.reliability.helpers import fresh_prefix
from tests.support.testbot import TestBot, identity, room, running_testbot

COMMANDS = ("status", "start", "stop", "reboot", "resize", "rebuild", "password",
            "backup list", "backup create", "backup restore", "backup delete")  # fmt: skip
NOT_MINE = ("103", "globex-app", "99999", "0", "-1", "../", "../../etc/passwd", "101;rm -rf",
            "101;rm -rf /", "101 ;", "$(reboot)", "`id`", "9" * 60, "\uff11\uff10\uff11", "101\x00",
            "acme-web/../103", "%2e%2e%2f", "101\n103")  # fmt: skip
BAD_ARGS = ("memory=8G,delete=scsi0", "memory=8G;delete=scsi0", "cpu=0", "cpu=-4",
            "cpu=" + "9" * 40, "memory=" + "9" * 40 + "T", "disk=-5G", "disk=../../x",
            "memory=8G delete=scsi0", "args=-cdrom /etc/shadow", "memory==8G", "cpu=1e9",
            "memory=\uff38G", "template=../../../x", "backup=../../etc")  # fmt: skip
SLOW = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
# Hundreds of commands from one person: a refusal must come from the parser and the policy,
# never from the rate limiter (the testbot's clock stands still, so its window never slides).
UNLIMITED = {"rate_limit_per_minute": 10_000, "rate_limit_per_account_per_minute": 10_000}
_typed_ids = itertools.count(1)


@pytest.fixture
def bot(testbot_redis: redis.Redis) -> Iterator[TestBot]:
    with running_testbot(testbot_redis, fresh_prefix(), policy=UNLIMITED) as bot:
        yield bot


def _nothing_happened(bot: TestBot) -> None:
    assert bot.jobs_created() == 0
    assert bot.calls == []
    assert bot.chat.notified() == []  # no approval request went to the admins either


def _refused(text: str) -> None:
    assert "something went wrong" not in text  # a refusal, not a crash
    assert "queued" not in text


def _typed(bot: TestBot, text: str) -> Reply:
    """alice types ``/server <text>`` exactly: ``send`` strips the line, and whitespace and
    control characters at its ends are part of what the fuzzer tries."""
    invocation = Invocation(
        identity=identity("alice"), display_name="alice", channel=room("alice"), scope="server",
        text=text, inbound_id=f"{bot.prefix}-typed-{next(_typed_ids)}",
    )  # fmt: skip
    reply = bot.handler.handle(invocation)
    bot.chat.answered("alice", reply)
    return reply


def _is_a_job_command(bot: TestBot, text: str) -> bool:
    """Whether ``text`` is a well-formed command that runs a job: alice may run those on her
    own servers, and they rightly reach Proxmox."""
    try:
        return parse(bot.handler.registry, "server", text).command.job_kind is not None
    except ParseError:
        return False


def _forged(action: str, value: str) -> Button:
    """A button nobody was shown: the payload a tampering client sends (built without
    validation, since no button we render could carry such an action or value)."""
    return Button.model_construct(action=action, value=value, label="forged")


@SLOW
@given(
    command=st.sampled_from(COMMANDS),
    ref=st.sampled_from(NOT_MINE) | st.text(min_size=1, max_size=40).filter(
        lambda t: t.strip() not in {"101", "102", "acme-web", "acme-db"}),
    extra=st.sampled_from(("", *BAD_ARGS)) | st.text(max_size=60),
)  # fmt: skip
def test_commands_on_servers_that_are_not_mine_are_refused(
    bot: TestBot, command: str, ref: str, extra: str
) -> None:
    reply = bot.send("alice", "/server " + f"{command} {ref} {extra}".strip())
    _refused(reply.text)
    assert reply.tone in ("warning", "error")
    _nothing_happened(bot)


@SLOW
@given(command=st.sampled_from(("resize", "rebuild")), bad=st.sampled_from(BAD_ARGS))
def test_injection_looking_arguments_on_my_own_server_are_refused(
    bot: TestBot, command: str, bad: str
) -> None:
    reply = bot.send("alice", f"/server {command} 101 {bad}")
    _refused(reply.text)
    assert reply.tone == "warning"
    _nothing_happened(bot)


@SLOW
@given(text=st.text(max_size=200))
def test_arbitrary_text_never_crashes_or_reaches_proxmox(bot: TestBot, text: str) -> None:
    # Hypothesis mixes the string constants of the loaded modules into its text, and the
    # registry's own examples are among them ("backup list 101"): a real command of alice's
    # is not arbitrary text, and the other tests here refuse it on anyone else's server.
    assume(not _is_a_job_command(bot, text))
    reply = _typed(bot, text)
    assert "something went wrong" not in reply.text
    assert bot.jobs_created() == 0
    assert bot.calls == []


@SLOW
@given(
    action=st.sampled_from(("approve", "deny", "confirm", "cancel")) | st.text(max_size=30),
    value=st.text(max_size=300) | st.sampled_from(("../", "101;rm -rf", "a" * 10_000, "0")),
)
def test_tampered_button_payloads_are_refused(bot: TestBot, action: str, value: str) -> None:
    result = bot.click("alice", _forged(action, value))
    _refused(result.to_clicker.text)
    assert result.replace_message is None
    _nothing_happened(bot)


def test_other_peoples_approval_and_confirmation_ids_are_refused(bot: TestBot) -> None:
    asked = bot.send("alice", "/server resize 101 memory=8G")
    approval_id = bot.button("boss", "approve").value
    confirm = bot.send("alice", "/server stop 101")
    confirmation_id = confirm.buttons[0].value
    assert "approval" in asked.text
    bot.handler.stores.identities.link(identity("mallory"), "acme")  # same account, other person

    tries = [
        ("alice", "approve", approval_id), ("mallory", "approve", approval_id),
        ("mallory", "deny", approval_id), ("mallory", "confirm", confirmation_id),
        ("alice", "approve", confirmation_id), ("mallory", "confirm", approval_id),
    ]  # fmt: skip
    for who, action, value in tries:
        result = bot.click(who, _forged(action, value))
        assert result.replace_message is None, (who, action)
        _refused(result.to_clicker.text)
    assert bot.jobs_created() == 0
    assert bot.calls == []
