"""The worker's live ownership re-check: a job for a server the account does not own fails
exactly like a job for a server that does not exist, and sends Proxmox no write."""

from __future__ import annotations

from bot.ports.notify import ReplyTarget
from jobs.queue import JobRequest
from tests.jobs.cards import one_card
from tests.reliability.helpers import job_id_of, run_chain
from tests.support.testbot import TestBot, identity, room


def _crafted(bot: TestBot, vmid: int) -> JobRequest:
    """A request as if the ack path had let it through: alice of account acme, any VMID."""
    target = ReplyTarget(platform="console", workspace="console", channel=room("alice"),
                         requester="alice")  # fmt: skip
    return JobRequest(
        kind="server.power", vmid=vmid, args={"vmid": vmid, "action": "start"}, target=target,
        requested_by=identity("alice").key, inbound_id=f"{bot.prefix}-crafted-{vmid}",
        account="acme",
    )  # fmt: skip


def _failure_seen(bot: TestBot, job_id: str, vmid: int) -> list[str]:
    """What the requester was shown, with the VMID made neutral: every state of the card
    (its heading, what it said below who asked, its fields) and the notice."""
    mark = bot.mark()
    state = run_chain(bot, job_id)
    assert state.status == "failed"
    card = one_card(bot.chat, since=mark)
    shown = []
    for s in card.states:
        asked, _, rest = s.reply.text.partition("\n")
        assert asked.startswith("asked by "), s.reply.text
        fields = [f"{f.label}: {f.value}" for f in s.reply.fields]
        shown.append("\n".join([str(s.reply.title), rest, *fields]))
    shown.append(card.notice.reply.text)
    return [text.replace(str(vmid), "<vm>") for text in shown]


def test_a_server_not_owned_fails_exactly_like_a_missing_one(testbot: TestBot) -> None:
    bot = testbot
    missing = _failure_seen(bot, bot.handler.jobs.queue.submit(_crafted(bot, 104)).job_id, 104)
    foreign = _failure_seen(bot, bot.handler.jobs.queue.submit(_crafted(bot, 103)).job_id, 103)

    # The inventory still says acme owns 102 (stopped); Proxmox's tag now says globex.
    bot.sim.vms[102].config["tags"] = "owner-globex"
    reply = bot.send("alice", "/server start 102")
    stale = _failure_seen(bot, job_id_of(bot, reply), 102)

    assert foreign == missing
    assert stale == missing
    assert missing == [
        "Start · server <vm>\n✗ Failed while starting: server <vm> does not exist",
        "Start of server <vm> did not go through.",
    ]
    assert bot.writes() == []
