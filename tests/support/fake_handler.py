"""A hand-written fake of our own Dispatcher port (``CommandHandler``) for the adapters'
single-layer tests, Slack's and Discord's alike: just enough policy to check what an adapter
passes in and renders back, without Redis.

Admins (by user id or role id) decide an approval once; a redelivered inbound id is answered
as a duplicate; a resize asks for approval (posted through ``notifier`` to the admin
channel, as the real handler does); autocompletion offers each user's own servers; /admin
is refused in DMs. Multi-layer tests use the testbot (``tests/support/testbot.py``) instead.
"""

from __future__ import annotations

import threading
import time

from bot.ports import ButtonClick, Choice, ClickResult
from bot.ports.invocation import Identity, Invocation
from bot.ports.notify import Notifier, ReplyTarget
from bot.ports.reply import Button, Reply, ReplyField

APPROVAL_ID = "apr-42"  # the approval request a resize asks for
# What ``fail`` raises: the secret in it must never reach a chat.
FAILURE = "redis went away; secret=hunter2"


class FakeHandler:
    def __init__(
        self,
        servers: dict[str, list[tuple[int, str]]] | None = None,
        *,
        admins: frozenset[str] = frozenset(),
        notifier: Notifier | None = None,
        admin_channel: str = "",
    ) -> None:
        """``servers``: each user id's (vmid, name); ``admins``: the user or role ids that
        may decide; ``notifier`` and ``admin_channel``: where approval requests go."""
        self.invocations: list[Invocation] = []
        self.clicks: list[ButtonClick] = []
        self.duplicates: list[str] = []
        self.approval_posts: list[Reply] = []
        self.decisions: dict[str, str] = {}  # approval id → "approved" or "denied"
        self.jobs: list[str] = []
        self.completions: list[tuple[Identity, frozenset[str], str]] = []
        self.servers = servers or {}
        self.cap = 25
        self.delay = 0.0
        self.fail = False
        self._admins = admins
        self._notifier = notifier
        self._admin_channel = admin_channel
        self._seen: set[str] = set()
        self._lock = threading.Lock()  # adapters call from several threads

    def handle(self, invocation: Invocation) -> Reply:
        self._work()
        self.invocations.append(invocation)
        if self._is_duplicate(invocation.inbound_id):
            return Reply(text="Already received.")
        if invocation.scope == "admin" and invocation.is_direct_message:
            return Reply(text="Admin commands are not available in direct messages.", tone="error")
        if invocation.text.startswith("resize"):
            self._ask_admins(invocation.identity, approval_request(APPROVAL_ID))
            return Reply(
                text="Resize of server 101 sent to the admins for approval.", ephemeral=True
            )
        return Reply(text=f"ok: {invocation.text}", ephemeral=False)

    def click(self, click: ButtonClick) -> ClickResult:
        self._work()
        self.clicks.append(click)
        if self._is_duplicate(click.inbound_id):
            return ClickResult(to_clicker=Reply(text="Already handled."))
        if click.identity.user not in self._admins and self._admins.isdisjoint(click.roles):
            return ClickResult(to_clicker=Reply(text="Only admins can decide.", tone="error"))
        verdict = "approved" if click.action == "approval.approve" else "denied"
        with self._lock:
            if click.value in self.decisions:
                return ClickResult(to_clicker=Reply(text=f"Already {self.decisions[click.value]}."))
            self.decisions[click.value] = verdict
            if verdict == "approved":
                self.jobs.append(f"job-{click.value}")
        decided = Reply(
            text=f"{verdict.capitalize()} by @{click.display_name}", tone="success", ephemeral=False
        )
        return ClickResult(to_clicker=Reply(text=f"You {verdict} it."), replace_message=decided)

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

    def _work(self) -> None:
        """The time the real handler takes (``delay``), or its failure (``fail``)."""
        time.sleep(self.delay)
        if self.fail:
            raise RuntimeError(FAILURE)

    def _is_duplicate(self, inbound_id: str) -> bool:
        with self._lock:
            if inbound_id in self._seen:
                self.duplicates.append(inbound_id)
                return True
            self._seen.add(inbound_id)
            return False

    def _ask_admins(self, requester: Identity, request: Reply) -> None:
        self.approval_posts.append(request)
        if self._notifier is not None:
            admins = ReplyTarget(
                platform=requester.platform,
                workspace=requester.workspace,
                channel=self._admin_channel,
                requester=requester.user,
            )
            self._notifier.post(admins, request)


def approval_request(request_id: str) -> Reply:
    """The approval request the real handler posts: who asks for what, and the decision."""
    return Reply(
        text="carol asks to resize server 101",
        fields=(
            ReplyField(label="Requested by", value="carol"),
            ReplyField(label="Server", value="101 (web-1)"),
            ReplyField(label="Plan", value="memory 4096 MiB → 8192 MiB"),
        ),
        buttons=(
            Button(
                action="approval.approve",
                value=request_id,
                label="Approve",
                style="primary",
                confirm="Resize server 101 for carol?",
            ),
            Button(action="approval.deny", value=request_id, label="Deny", style="danger"),
        ),
        ephemeral=False,
    )
