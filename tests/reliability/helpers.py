"""What the reliability tests read off a testbot: the chain a job started, and the busy
locks of the testbot's cluster."""

from __future__ import annotations

import re
import uuid

from bot.ports.reply import Reply
from jobs.state.chains import ChainState
from jobs.state.locks import BusyLocks
from tests.support.testbot import TestBot


def fresh_prefix() -> str:
    """A key prefix of one test's own (RQ queue names carry it too)."""
    return f"tb-{uuid.uuid4().hex[:10]}"


_REF = re.compile(r"#([a-z2-7]{4,12})\b")


def ref_of(reply: Reply) -> str:
    """The ``#reference`` (without ``#``) a "queued as #k3f9" acknowledgement names."""
    found = _REF.search(reply.text)
    assert found, reply.text
    return found.group(1)


def job_id_of(bot: TestBot, reply: Reply) -> str:
    """The job behind the reference an acknowledgement names (people are never shown the
    job id; RQ and the chain records are keyed by it)."""
    job_id = bot.handler.jobs.refs.job_of(ref_of(reply))
    assert job_id is not None, reply.text
    return job_id


def chain(bot: TestBot, job_id: str) -> ChainState | None:
    return bot.worker.chains().get(job_id)


def run_chain(bot: TestBot, job_id: str, *, timeout: float = 30.0) -> ChainState:
    """Run the testbot's worker until it has nothing left; the chain ``job_id`` started."""
    bot.settle(timeout)
    state = chain(bot, job_id)
    assert state is not None, f"no chain for job {job_id}"
    return state


def busy_locks(bot: TestBot) -> BusyLocks:
    """The busy locks of the testbot's cluster, as bot and worker both read them."""
    return bot.worker.locks()
