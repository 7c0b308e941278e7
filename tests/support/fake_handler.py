"""A hand-written ``CommandHandler`` for the adapter's tests: just enough policy (admin by
role, approvals decided once, each user's own servers, /admin refused in DMs) to check what
the adapter passes in and renders back, without Redis."""

from __future__ import annotations

import threading
import time

from bot.invocation import Identity, Invocation
from bot.ports import ButtonClick, Choice, ClickResult
from bot.reply import Button, Reply
from tests.support.discord_fakes import ADMIN_ROLE


class FakeHandler:
    def __init__(self, servers: dict[str, list[tuple[int, str]]] | None = None) -> None:
        self.invocations: list[Invocation] = []
        self.clicks: list[ButtonClick] = []
        self.approval_posts: list[Reply] = []
        self.jobs: list[str] = []
        self.completions: list[tuple[Identity, frozenset[str], str]] = []
        self.servers = servers or {}
        self.cap = 25
        self.delay = 0.0
        self.fail = False
        self._decided: set[str] = set()
        self._lock = threading.Lock()

    def handle(self, invocation: Invocation) -> Reply:
        time.sleep(self.delay)
        if self.fail:
            raise RuntimeError("redis went away")
        self.invocations.append(invocation)
        if invocation.scope == "admin" and invocation.is_direct_message:
            return Reply(text="Admin commands are not available in direct messages.", tone="error")
        if invocation.text.startswith("resize"):
            self.approval_posts.append(approval_request("req1"))
            return Reply(text="Resize of 101 needs an admin's approval; asked.", ephemeral=True)
        return Reply(text=f"ok: {invocation.text}", ephemeral=False)

    def click(self, click: ButtonClick) -> ClickResult:
        time.sleep(self.delay)
        self.clicks.append(click)
        if str(ADMIN_ROLE) not in click.roles:
            return ClickResult(to_clicker=Reply(text="Only admins can decide.", tone="error"))
        with self._lock:
            if click.value in self._decided:
                return ClickResult(to_clicker=Reply(text="Already decided."))
            self._decided.add(click.value)
            self.jobs.append(f"job-{click.value}")
        decided = Reply(text=f"Approved by <@{click.identity.user}>", tone="success")
        return ClickResult(to_clicker=Reply(text="Approved; queued."), replace_message=decided)

    def complete_server(
        self, identity: Identity, roles: frozenset[str], typed: str
    ) -> list[Choice]:
        self.completions.append((identity, roles, typed))
        mine = self.servers.get(identity.user, [])
        return [
            Choice(label=f"{vmid} {name}", value=str(vmid))
            for vmid, name in mine
            if typed.lower() in f"{vmid} {name}".lower()
        ][: self.cap]


def approval_request(request_id: str) -> Reply:
    return Reply(
        text="<@42> asks: resize 101 memory=8G",
        buttons=(
            Button(action="approval.approve", value=request_id, label="Approve", style="primary"),
            Button(action="approval.deny", value=request_id, label="Deny", style="danger"),
        ),
        ephemeral=False,
    )
