"""Deny asks why, and the requester reads the answer: through the real bolt App (``views.open``
with the click's trigger id, then the ``view_submission``) and the real discord.py client
(a modal as the click's response, then its submission through the view store)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
import redis

from tests.support.discordbot import running_discordbot
from tests.support.platforms import ChatKit
from tests.support.slackbot import running_slackbot

Kit = ChatKit[Any]
KITS: dict[str, Callable[[redis.Redis, str], AbstractContextManager[Kit]]] = {
    "slack": running_slackbot,
    "discord": running_discordbot,
}
REASON = "8 GiB is beyond the Starter plan; ask us about Pro"


@pytest.fixture(params=sorted(KITS))
def kit(request: pytest.FixtureRequest, testbot_redis: redis.Redis) -> Iterator[Kit]:
    with KITS[request.param](testbot_redis, f"deny-{uuid.uuid4().hex[:10]}") as found:
        yield found


def test_a_deny_reason_reaches_the_requester(kit: Kit) -> None:
    kit.send("alice", "/server resize 101 memory=8G")
    kit.press("boss", "deny")

    # Nothing is decided while the form is open: the request still waits.
    (pending,) = kit.core.handler.stores.approvals.pending()
    assert kit.core.jobs_created() == 0
    mark = kit.mark()
    kit.answer_form("boss", REASON)

    assert kit.core.handler.stores.approvals.pending() == []
    found = kit.core.handler.stores.approvals.get(pending.request.id)
    assert found is not None
    assert (found.status, found.reason) == ("denied", REASON)
    # alice's card, edited in place: who denied it and why; nothing else was posted to her
    # (in her channel on Slack, her ephemeral follow-up on Discord).
    told = [s for s in kit.seen("alice", since=mark) if s.how in ("post", "private", "edit")]
    assert [s.how for s in told] == ["edit"]
    assert "✗ Denied by " in told[-1].text
    assert f"Reason: {REASON}" in told[-1].text
    # The admins' card keeps what was asked, and now says who denied it and why.
    decided = [s for s in kit.seen("boss", since=mark) if s.how == "edit"]
    assert decided, "the approval card was not updated"
    assert REASON in decided[-1].text
    assert decided[-1].reply.buttons == ()
    assert any("memory" in f.value for f in decided[-1].reply.fields)
    kit.settle()
    assert kit.core.jobs_created() == 0


def test_a_form_for_a_request_decided_meanwhile_is_refused(kit: Kit) -> None:
    kit.send("alice", "/server resize 101 memory=8G")
    (pending,) = kit.core.handler.stores.approvals.pending()
    kit.press("boss", "deny")
    kit.press("root", "approve")  # while boss is still typing
    mark = kit.mark()
    kit.answer_form("boss", REASON)

    found = kit.core.handler.stores.approvals.get(pending.request.id)
    assert found is not None
    assert found.status == "approved"
    told = "\n".join(s.text for s in kit.seen("boss", since=mark))
    assert "already approved" in told
    assert REASON not in "\n".join(s.text for s in kit.seen("alice"))
