"""Hostile or broken input, generated: command text and button payloads. Every one gets a
clear refusal; nothing is enqueued and nothing reaches Proxmox."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.ports import ButtonClick
from bot.ports.invocation import Identity
from tests.reliability.conftest import CUSTOMER, Stack

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


def _nothing_happened(stack: Stack) -> None:
    assert stack.queued() == 0
    assert stack.sim.calls == []
    assert stack.bot_notifier.sent == []  # no approval request went to the admins either


def _refused(text: str) -> None:
    assert "something went wrong" not in text  # a refusal, not a crash
    assert "queued" not in text


@SLOW
@given(
    command=st.sampled_from(COMMANDS),
    ref=st.sampled_from(NOT_MINE) | st.text(min_size=1, max_size=40).filter(
        lambda t: t.strip() not in {"101", "102", "acme-web", "acme-db"}),
    extra=st.sampled_from(("", *BAD_ARGS)) | st.text(max_size=60),
)  # fmt: skip
def test_commands_on_servers_that_are_not_mine_are_refused(
    stack: Stack, command: str, ref: str, extra: str
) -> None:
    reply = stack.handler.handle(stack.invocation(f"{command} {ref} {extra}".strip()))
    _refused(reply.text)
    assert reply.tone in ("warning", "error")
    _nothing_happened(stack)


@SLOW
@given(command=st.sampled_from(("resize", "rebuild")), bad=st.sampled_from(BAD_ARGS))
def test_injection_looking_arguments_on_my_own_server_are_refused(
    stack: Stack, command: str, bad: str
) -> None:
    reply = stack.handler.handle(stack.invocation(f"{command} 101 {bad}"))
    _refused(reply.text)
    assert reply.tone == "warning"
    _nothing_happened(stack)


@SLOW
@given(text=st.text(max_size=200))
def test_arbitrary_text_never_crashes_or_reaches_proxmox(stack: Stack, text: str) -> None:
    reply = stack.handler.handle(stack.invocation(text))
    assert "something went wrong" not in reply.text
    assert stack.queued() == 0
    assert stack.sim.calls == []


@SLOW
@given(
    action=st.sampled_from(("approve", "deny", "confirm", "cancel")) | st.text(max_size=30),
    value=st.text(max_size=300) | st.sampled_from(("../", "101;rm -rf", "a" * 10_000, "0")),
)
def test_tampered_button_payloads_are_refused(stack: Stack, action: str, value: str) -> None:
    click = ButtonClick(identity=CUSTOMER, action=action, value=value, inbound_id="c",
                        channel="general")  # fmt: skip
    result = stack.handler.click(click)
    _refused(result.to_clicker.text)
    assert result.replace_message is None
    _nothing_happened(stack)


def test_other_peoples_approval_and_confirmation_ids_are_refused(stack: Stack) -> None:
    asked = stack.handler.handle(stack.invocation("resize 101 memory=8G"))
    approval_id = next(b.value for s in stack.bot_notifier.sent for b in s.reply.buttons)
    confirm = stack.handler.handle(stack.invocation("stop 101", n=1))
    confirmation_id = confirm.buttons[0].value
    assert "approval" in asked.text
    mallory = Identity(platform="console", workspace="console", user="mallory")
    stack.handler.stores.identities.link(mallory, "acme")  # same account, other person

    tries = [(CUSTOMER, "approve", approval_id), (mallory, "approve", approval_id),
             (mallory, "deny", approval_id), (mallory, "confirm", confirmation_id),
             (CUSTOMER, "approve", confirmation_id), (mallory, "confirm", approval_id)]  # fmt: skip
    for who, action, value in tries:
        click = ButtonClick(
            identity=who, action=action, value=value, inbound_id=f"{who.user}-{action}",
            channel="general",
        )  # fmt: skip
        result = stack.handler.click(click)
        assert result.replace_message is None, (who.user, action)
        _refused(result.to_clicker.text)
    assert stack.queued() == 0
    assert stack.sim.calls == []
