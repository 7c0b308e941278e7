"""A long backup list pages like every other list, through the real Slack and Discord paths:
six backups a page, Previous/Next, each page replacing the one before in place, and every
backup reachable exactly once. Only a worker can read backups, so its answer is framed and
buttoned as the bot frames its own lists."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
import redis

from proxmox.simulator.state import Volume
from tests.support.discordbot import running_discordbot
from tests.support.platforms import ChatKit
from tests.support.slackbot import running_slackbot

Kit = ChatKit[Any]
KITS: dict[str, Callable[[redis.Redis, str], AbstractContextManager[Kit]]] = {
    "slack": running_slackbot,
    "discord": running_discordbot,
}
DAY = 86400
_ID = re.compile(r"id (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)")


@pytest.fixture(params=sorted(KITS))
def kit(request: pytest.FixtureRequest, testbot_redis: redis.Redis) -> Iterator[Kit]:
    with KITS[request.param](testbot_redis, f"bpages-{uuid.uuid4().hex[:10]}") as found:
        yield found


def _more_backups(kit: Kit, count: int) -> int:
    """``count`` more nightly backups of 101 on the simulator's backup storage; how many
    it has now."""
    sim = kit.core.sim
    storage = sim.storage("backup")
    oldest = min(v.ctime for v in sim.backups(101))
    with sim.lock:
        for n in range(1, count + 1):
            when = oldest - n * DAY
            stamp = f"2026_01_{n:02d}-02_00_00"
            volid = f"backup:backup/vzdump-qemu-101-{stamp}.vma.zst"
            storage.volumes[volid] = Volume(
                volid, 1_000_000_000, 101, content="backup", format="vma.zst", ctime=when
            )
    return len(sim.backups(101))


def test_every_backup_is_reachable_a_page_at_a_time(kit: Kit) -> None:
    total = _more_backups(kit, 12)
    assert total == 14
    kit.send("alice", "/server backup list 101")
    kit.settle()

    (answer,) = [s for s in kit.seen("alice") if s.how == "reply"]  # "Looking up…"
    seen_ids: list[str] = []
    for number in (1, 2, 3):
        now = [s for s in kit.seen("alice") if s.message == answer.message][-1]
        assert now.text.startswith(f"page {number} of 3 · 14 backups"), now.text
        seen_ids += _ID.findall(now.text)
        labels = [b.label for b in now.reply.buttons]
        assert labels == {1: ["Next"], 2: ["Previous", "Next"], 3: ["Previous"]}[number]
        if number < 3:
            kit.press("alice", "page", label="Next")
            kit.settle()
    assert len(seen_ids) == len(set(seen_ids)) == total
    # Pages replaced the list in place: nothing was posted, nothing else sent to alice.
    assert not [s for s in kit.seen("alice") if s.how in ("post", "private")]
