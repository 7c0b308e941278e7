"""The words people read on cards, approval requests and errors (issue 13: names and errors,
one duration format, GiB for sizes people read), as each person saw them in chat.

Through the testbot's demo fleet: 101 acme-web (running, 2 cores, 4 GiB, one 32 GiB disk),
102 acme-db (stopped, 8 GiB), both alice's (acme); boss and root approve."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator

import pytest
import redis

from bot.ports.reply import Reply
from jobs.state.locks import BusyLocks
from proxmox.simulator import Simulator
from tests.support.conversation import perform
from tests.support.platforms import perform as perform_on
from tests.support.slackbot import SlackKit, running_slackbot, slack_reply
from tests.support.testbot import TestBot, running_testbot


def final_card(bot: TestBot, user: str, title: str) -> Reply:
    """The card as it reads last (its newest post or edit with this title)."""
    return [s.reply for s in bot.seen(user) if s.reply.title == title][-1]


def approval_request(bot: TestBot) -> str:
    return next(s.text for s in bot.seen("boss") if s.text.startswith("Approval request"))


def test_memory_reads_in_gib_on_the_approval_and_the_card(testbot: TestBot) -> None:
    perform(testbot, "alice", "/server resize 101 cpu=4 memory=8G")

    assert "change: memory 4 → 8 GiB" in approval_request(testbot)
    card = final_card(testbot, "alice", "Resize · acme-web (101)")
    assert "memory 4 → 8 GiB" in card.text
    assert "MiB" not in testbot.seen_text("alice") + testbot.seen_text("boss")


def test_a_fraction_of_a_gib_reads_as_one(testbot: TestBot) -> None:
    perform(testbot, "alice", "/server resize 102 memory=1536M")

    assert "change: memory 8 → 1.5 GiB" in approval_request(testbot)
    card = final_card(testbot, "alice", "Resize · acme-db (102)")
    assert "• memory set to 1.5 GiB (takes effect when the server starts)" in card.text.split("\n")


def test_a_limit_refusal_names_both_sizes_in_gib(testbot: TestBot) -> None:
    reply = testbot.send("alice", "/server resize 101 memory=128G")

    assert reply.text.startswith("memory=128G is over ")
    assert " limit of 64 GiB; ask for memory=64G or less" in reply.text


def test_the_disk_is_named_as_its_owner_knows_it_and_reads_as_done(testbot: TestBot) -> None:
    perform(testbot, "alice", "/server resize 101 disk=+8G")

    assert "change: disk 32 → 40 GiB" in approval_request(testbot)
    card = final_card(testbot, "alice", "Resize · acme-web (101)")
    assert card.text.split("\n")[2:] == ["• disk grown to 40 GiB"]
    assert "scsi" not in testbot.seen_text("alice")


def test_a_change_that_waits_for_a_reboot_is_said_once(testbot: TestBot) -> None:
    perform(testbot, "alice", "/server resize 101 cpu=4 memory=8G")

    card = final_card(testbot, "alice", "Resize · acme-web (101)")
    assert card.text.split("\n")[1:] == [
        "✓ Done in 0 s",
        "⚠ Takes effect after a reboot: cores 2 → 4, memory 4 → 8 GiB. Reboot when it suits you.",
    ]
    assert card.text.lower().count("reboot") == 2  # the ⚠ line's own two
    assert [b.label for b in card.buttons] == ["Reboot now"]


@pytest.mark.parametrize(
    ("line", "title", "bullets"),
    [
        ("/server reboot 101", "Reboot · acme-web (101)", ["• rebooted"]),
        ("/server stop 101", "Stop · acme-web (101)", ["• stopped"]),
        ("/server start 102", "Start · acme-db (102)", ["• started"]),
        (
            "/server backup create 101",
            "Backup · acme-web (101)",
            ["• backup saved (storage backup)"],
        ),
    ],
)
def test_a_finished_step_reads_as_done(
    testbot: TestBot, line: str, title: str, bullets: list[str]
) -> None:
    perform(testbot, "alice", line)

    card = final_card(testbot, "alice", title)
    assert [row for row in card.text.split("\n") if row.startswith("•")] == bullets


@pytest.fixture
def slack(testbot_redis: redis.Redis) -> Iterator[SlackKit]:
    with running_slackbot(testbot_redis, f"slack-{uuid.uuid4().hex[:10]}") as kit:
        yield kit


def test_on_slack_the_tone_icon_heads_the_card_not_the_asked_by_line(slack: SlackKit) -> None:
    perform_on(slack, "alice", "/server reboot 101")

    [*_, last] = [c for c in slack.api.calls_to("chat.update") if c.body["channel"] == "CALICE"]
    header, first, *_ = last.body["blocks"]
    assert header == {
        "type": "header",
        "text": {
            "type": "plain_text",
            "text": ":white_check_mark: Reboot · acme-web (101)",
            "emoji": True,
        },
    }
    assert first["text"]["text"].startswith("asked by @alice for acme")
    read = slack_reply(last.body)
    assert (read.title, read.tone) == ("Reboot · acme-web (101)", "success")


def test_a_task_that_outlives_tracking_is_still_running_not_failed(
    testbot_redis: redis.Redis,
) -> None:
    """Past the tracking deadline the card stops following the task; it must not read as a
    failure (the task goes on in Proxmox) and must say how to follow it."""
    sim = Simulator.demo()
    sim.world.tasks.durations["vzdump"] = 3600.0  # runs on well past the test
    worker = {"tracking_deadline": 600}
    with running_testbot(
        testbot_redis, f"tb-{uuid.uuid4().hex[:8]}", sim=sim, worker=worker
    ) as bot:
        bot.send("alice", "/server backup create 101")
        bot.work_once()  # the backup starts; its first check finds it running
        bot.clock.advance(601)
        bot.settle()

        card = final_card(bot, "alice", "Backup · acme-web (101)")
        ref = next(r.ref for r in bot.requests().values())
        follow = f"/server task #{ref}"
        assert card.text.split("\n")[1:] == [
            "⏳ Backing up",
            f"Still running on Proxmox after 10 min 1 s; this card stops following it here. "
            f"See where it stands with {follow}.",
        ]
        assert card.tone == "info"
        assert "✗" not in bot.seen_text("alice")
        assert all(s.reply.tone != "error" for s in bot.seen("alice"))
        notice = bot.seen("alice")[-1]
        assert (notice.reply.mention, notice.reply.tone) == (True, "warning")
        # The server is not left busy, and following it answers with the task, live.
        assert BusyLocks(bot.client, prefix=bot.prefix).holder(101) is None
        status = bot.send("alice", follow)
        assert "its task was still running on Proxmox after 10 min 1 s, when tracking stopped" in (
            status.text
        )
        assert status.tone == "warning"
        upid = card.fields[0].value
        assert f"/server task {upid} asks Proxmox how it stands now" in status.text
        bot.send("alice", f"/server task {upid}")
        bot.settle()
        assert "task vzdump on pve1: running for" in bot.seen_text("alice")


def test_a_rejected_token_reads_as_an_admins_problem_and_the_log_names_the_setting(
    testbot: TestBot, caplog: pytest.LogCaptureFixture
) -> None:
    testbot.sim.faults.fail_next(401, "", method="POST", path="/status/reboot$")

    with caplog.at_level(logging.ERROR):
        perform(testbot, "alice", "/server reboot 101")

    card = final_card(testbot, "alice", "Reboot · acme-web (101)")
    assert card.text.split("\n")[1] == (
        "✗ Failed while rebooting: the Proxmox cluster refused the bot's credentials; "
        "an admin needs to fix this. The server is running."
    )
    assert "PROXMOX" not in testbot.seen_text("alice")
    assert "check PROXMOX_TOKEN_ID/SECRET" in caplog.text  # what whoever runs the bot reads


def test_backups_are_shown_by_when_they_were_taken_and_taken_by_that(testbot: TestBot) -> None:
    perform(testbot, "alice", "/server backup create 101")
    listing = perform(testbot, "alice", "/server backup list 101").seen[-1].text
    rows = listing.split("\n")

    assert rows[0].endswith(" · requested by @alice via Jotunheim · id " + rows[0][-19:])
    assert rows[-1] == "Restore or delete one by its id: /server backup restore 101 <id>"
    assert "vzdump-qemu" not in listing
    assert "backup:" not in listing
    oldest = rows[-2].rsplit(" id ", 1)[1]  # 2026-12-01T…, as the list shows it
    day = f"{int(oldest[8:10])} Dec 2026 {oldest[11:16]} UTC"
    assert rows[-2].startswith(f"{day} · ")

    perform(testbot, "alice", f"/server backup restore 101 {oldest}")

    assert f"change: backup of {day[:-4]}:{oldest[17:19]} UTC" in approval_request(testbot)
    card = final_card(testbot, "alice", "Restore backup · acme-web (101)")
    assert f"• restored from the backup of {day}" in card.text.split("\n")
    assert "vzdump-qemu" not in testbot.seen_text("alice")


def test_a_backup_typed_by_its_volume_id_still_works_and_reads_by_its_date(
    testbot: TestBot,
) -> None:
    perform(testbot, "alice", "/server backup list 101")
    volid = next(iter(testbot.sim.backups(101))).volid
    mark = testbot.mark()

    perform(testbot, "alice", f"/server backup delete 101 {volid}")

    card = final_card(testbot, "alice", "Delete backup · acme-web (101)")
    assert card.text.split("\n")[1].startswith("✓ Done in")
    taken = re.search(r"(\d{4})_12_(\d\d)-(\d\d)_(\d\d)_\d\d", volid)
    assert taken is not None
    day = f"{int(taken[2])} Dec {taken[1]} {taken[3]}:{taken[4]} UTC"
    assert [r for r in card.text.split("\n") if r.startswith("•")] == [f"• backup of {day} deleted"]
    assert volid not in "\n".join(
        s.text for s in testbot.seen("alice", since=mark) if s.how != "reply"
    )


def test_another_servers_backup_is_refused_without_echoing_its_volume_id(
    testbot: TestBot,
) -> None:
    foreign = "backup:backup/vzdump-qemu-102-2026_12_01-10_00_00.vma.zst"
    reply = testbot.send("alice", f"/server backup restore 101 {foreign}")

    assert reply.text == (
        "that is not a backup of server 101; /server backup list 101 shows its backups"
    )


def test_a_lock_give_up_reads_as_one_phrase(testbot_redis: redis.Redis) -> None:
    worker = {"retry_cap": 3}
    with running_testbot(testbot_redis, f"tb-{uuid.uuid4().hex[:8]}", worker=worker) as bot:
        for _ in range(4):  # the first try and three more
            bot.sim.faults.fail_next_task("qmreboot", "VM is locked (backup)")

        perform(bot, "alice", "/server reboot 101")

        card = final_card(bot, "alice", "Reboot · acme-web (101)")
    failed = card.text.split("\n")[1]
    assert re.fullmatch(
        r"✗ Failed while rebooting: VM is locked \(backup\) — gave up after 4 tries over "
        r"\d+ s\. The server is running\.",
        failed,
    ), failed
