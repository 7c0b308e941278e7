"""The scripted demo conversation (``jotunheim demo --script``): chat users' lines played
through the real handler and console sessions, each job waited for (bounded) before the next.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.adapters.console import ConsoleSession, parse_identity
from bot.dispatch import Dispatcher
from jobs.inprocess import InProcessWorker, JobWaitTimeout

CUSTOMER, ADMIN, ACCOUNT = "console:alice", "console:boss", "acme"

_APPROVAL = re.compile(r"^\s*([0-9a-f]{16}): ", re.MULTILINE)  # /admin approvals lists them
_REF = re.compile(r"(#[a-z2-7]{4,12})\b")
_CONFIRM = re.compile(r"\(confirm (\S+)\)")
_SUCCEEDED = ("succeeded", "finished")


class DemoStepFailed(RuntimeError):
    """The scripted conversation did not go as written."""


class Script:
    """Plays lines as chat users, printing each line and what that user sees."""

    def __init__(
        self,
        handler: Dispatcher,
        worker: InProcessWorker,
        write: Callable[[str], None],
        timeout: float,
    ) -> None:
        self._handler = handler
        self._worker = worker
        self._write = write
        self._timeout = timeout
        self._sessions: dict[str, ConsoleSession] = {}
        self._seen: list[str] = []

    def step(self, title: str) -> None:
        self._write("")
        self._write(f"── {title}")

    def say(self, who: str, line: str) -> str:
        session = self._sessions.get(who)
        if session is None:
            session = ConsoleSession(self._handler, parse_identity(who), self._shown)
            self._sessions[who] = session
        self._write(f"{session.identity.user}> {line}")
        self._seen = []
        session.feed(line)
        return "\n".join(self._seen)

    def _shown(self, text: str) -> None:
        self._seen.append(text)
        for line in text.splitlines():
            self._write(f"    {line}")

    def wait(self, reply: str) -> str:
        """Wait for the request the reply names (polling Redis, bounded); return its
        ``#reference``."""
        ref = self.find(_REF, reply, "a request reference")
        job_id = self._handler.jobs.refs.job_of(ref)
        if job_id is None:
            raise DemoStepFailed(f"no request {ref}")
        status = self._worker.wait_done(job_id, self._timeout)
        if status not in _SUCCEEDED:
            raise DemoStepFailed(f"request {ref} ended {status}")
        return ref

    def confirm_if_asked(self, who: str, reply: str) -> str:
        found = _CONFIRM.search(reply)
        return self.say(who, f"confirm {found.group(1)}") if found else reply

    @staticmethod
    def find(pattern: re.Pattern[str], reply: str, what: str) -> str:
        found = pattern.search(reply)
        if found is None:
            raise DemoStepFailed(f"expected {what} in the reply, got: {reply!r}")
        return found.group(1)


def play(
    handler: Dispatcher, worker: InProcessWorker, write: Callable[[str], None], *, timeout: float
) -> int:
    """The scripted conversation; 0 when every step went as written."""
    s = Script(handler, worker, write, timeout)
    try:
        s.step("1. the customer lists their servers")
        s.say(CUSTOMER, "/server list")
        s.step("2. the customer asks for a resize: it needs an admin's approval")
        s.say(CUSTOMER, "/server resize 101 cpu=4 disk=40G")
        s.step("3. the admin approves: the customer's card shows the UPID, then the outcome")
        approval = s.find(_APPROVAL, s.say(ADMIN, "/admin approvals"), "a pending request")
        ref = s.wait(s.say(ADMIN, f"approve {approval}"))
        s.say(CUSTOMER, f"/server task {ref}")
        s.step("4. the customer reboots to apply the pending changes")
        s.wait(s.confirm_if_asked(CUSTOMER, s.say(CUSTOMER, "/server reboot 101")))
        s.step("5. the customer takes a backup")
        s.wait(s.say(CUSTOMER, "/server backup create 101"))
        s.step("6. a new password, shown only to the customer")
        s.wait(s.say(CUSTOMER, "/server password 101"))
        s.step("7. someone who is not linked is refused")
        s.say("console:mallory", "/server list")
        s.step("8. a bad argument gets its usage line")
        s.say(CUSTOMER, "/server resize 101 cpu=lots")
        s.step("9. the admin looks at the queue")
        s.say(ADMIN, "/admin queue")
    except (JobWaitTimeout, DemoStepFailed) as exc:
        write(f"demo stopped: {exc}")
        return 1
    write("")
    write("── done: the whole conversation ran")
    return 0
