"""The testbot behind Slack: signed slash commands and block_actions payloads through the
real bolt ``App`` (``build_app``), the bot's and the worker's notifiers the real
``SlackNotifier`` on the local mock Web API, and what each person saw rebuilt from the calls
that mock recorded (acks, ``chat.postMessage``, ``chat.update``, ``chat.postEphemeral``,
response URLs).

People: ``alice`` (acme) and ``gina`` (globex) type in a channel of their own; the admins
``boss`` and ``root`` too, and they sit in the admin channel where approvals are posted.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import redis

from bot.adapters.after_ack import AfterAck, Followups
from bot.adapters.slack.app import SlackApp, build_app
from bot.adapters.slack.blocks import action_id, action_name
from bot.adapters.slack.notifier import SlackNotifier, build_client, worker_notifier
from bot.adapters.slack.responses import ResponseUrls
from bot.adapters.slack.settings import CardPlace
from bot.ports.invocation import Identity
from bot.ports.reply import Button, Reply, ReplyField, Tone
from proxmox.simulator import Simulator
from tests.support import slack_api
from tests.support.chat import How, Shown
from tests.support.clock import FakeClock
from tests.support.platforms import PEOPLE, ChatKit
from tests.support.slack_api import ADMIN_CHANNEL, BOT_TOKEN, TEAM, Call, MockSlackApi, Scripted
from tests.support.testbot import ADMINS, CUSTOMERS, TestBot, running_testbot

USER_IDS = {name: f"U{name.upper()}" for name in PEOPLE}
NAMES = {user_id: name for name, user_id in USER_IDS.items()}
_ICONS: dict[str, Tone] = {
    ":white_check_mark: ": "success",
    ":warning: ": "warning",
    ":x: ": "error",
}


@dataclass(frozen=True)
class OnSlack:
    """A message showing buttons: its channel, ``ts`` and whether only one person sees it."""

    channel: str
    message: str
    ephemeral: bool


class SlackKit(ChatKit[OnSlack]):
    admin_channel = ADMIN_CHANNEL

    def __init__(self, core: TestBot, api: MockSlackApi, app: SlackApp, posts: Followups):
        super().__init__(core)
        self.api = api
        self.app = app
        self._posts = posts  # the bot's AfterAck posts (approval requests, decision notices)
        self._ids = itertools.count(1)
        self._read = 0
        self._acks: list[str] = []  # in-channel acks: everyone in the channel reads them
        self.acked: list[dict[str, Any]] = []  # every ack, as Slack received it
        self._last = ""  # the last request's body, for ``redeliver``
        self._responders: dict[str, str] = {}  # response URL name → the person it answers
        self._clickers: dict[str, str] = {}  # a click's trigger id → who clicked
        self.forms: dict[str, dict[str, Any]] = {}  # the modal open in front of each person
        # A response URL → the message it replaces: the clicked one, or a command's answer.
        self._clicked: dict[str, OnSlack] = {}
        self._answered_by = ""  # the last command's response URL name

    def room(self, user: str) -> str:
        return f"C{user.upper()}"

    def send(self, user: str, line: str, *, conversation: tuple[str, str] | None = None) -> None:
        """``conversation``: type it elsewhere than in the person's room, given as the
        (channel id, channel name) Slack sends: a DM, a group DM, a private channel. Slack
        escapes what was typed (``as_slack_sends``), as the manifest asks."""
        command, _, text = line.strip().partition(" ")
        self.deliver(user, command, as_slack_sends(text), conversation=conversation)

    def deliver(
        self, user: str, command: str, text: str, *, conversation: tuple[str, str] | None = None
    ) -> None:
        """A slash command whose ``text`` is exactly what Slack sends: links, mentions and
        entities as Slack writes them (``<@U1|carol>``, ``<https://…|…>``, ``&amp;``)."""
        channel, name = conversation or (self.room(user), user)
        answer = self._dispatch(self._slash_body(user, command, text, channel, name))
        reply = slack_reply(answer)
        message = f"ack-{next(self._ids)}"
        if answer.get("response_type") == "in_channel":
            self._acks.append(json.dumps(answer))
            shown = Shown("post", reply, channel=channel, message=message, payload=answer)
        else:
            shown = Shown("reply", reply, only=user, message=message, payload=answer)
        assert shown.message is not None
        where = OnSlack(channel, shown.message, ephemeral=shown.only is not None)
        self._clicked[self._answered_by] = where  # its response URL replaces this answer
        self._show(shown, where)
        self._collect()

    def fire(self, user: str, line: str, *, channel: str) -> dict[str, Any]:
        """Type ``line`` in ``channel`` and return the ack as Slack received it, without
        waiting for what follows it or reading what was shown: safe from many threads at
        once (a burst of people typing). ``settle`` then runs the worker; what the platform
        was sent is in ``api``."""
        command, _, text = line.strip().partition(" ")
        body = self._slash_body(user, command, as_slack_sends(text), channel, channel.lower())
        status, answer = slack_api.dispatch(self.app.bolt, body, slack_api.signed_headers(body))
        assert status == 200, answer
        acked: dict[str, Any] = json.loads(answer) if answer else {}
        return acked

    def redeliver(self) -> None:
        """Slack delivering the last request again, as it does when an ack was late: the same
        body (so the same trigger id) with ``x-slack-retry-num``."""
        self._dispatch(self._last, retry=1)
        self._collect()

    def _click(self, user: str, button: Button, where: OnSlack) -> None:
        index = self._buttons_on(where, button).index(button)
        self._dispatch(self._action_body(user, index, button, where))
        self._collect()

    def answer_form(self, user: str, text: str) -> None:
        """Type ``text`` into the form Slack opened for ``user`` and press Send."""
        view = self.forms.pop(user)
        (block,) = view["blocks"]
        element = block["element"]
        assert len(text) <= element.get("max_length", 3000), "Slack refuses longer input"
        typed = {"type": element["type"], "value": text}
        state = {block["block_id"]: {element["action_id"]: typed}}
        payload = {
            "type": "view_submission",
            "team": {"id": TEAM, "domain": "hosting"},
            "user": {"id": USER_IDS[user], "username": user, "team_id": TEAM},
            "api_app_id": "A0001",
            "view": {
                "id": f"V{next(self._ids)}",
                "type": "modal",
                "callback_id": view["callback_id"],
                "private_metadata": view["private_metadata"],
                "state": {"values": state},
            },
        }
        self._dispatch(urlencode({"payload": json.dumps(payload)}))
        self._collect()

    def public_payloads(self) -> list[str]:
        # Ephemeral messages and the response URLs that replace them reach one person only.
        shared = [
            c for c, _ in self.api.answered if c.method in ("chat.postMessage", "chat.update")
        ]
        return self._acks + [json.dumps(c.body) for c in shared]

    # -- Slack's side -----------------------------------------------------------------------
    def _dispatch(self, body: str, *, retry: int = 0) -> dict[str, Any]:
        headers = slack_api.signed_headers(body)
        if retry:
            headers["x-slack-retry-num"] = str(retry)
        self._last = body
        status, answer = slack_api.dispatch(self.app.bolt, body, headers)
        assert status == 200, answer
        # Every platform call the request caused happens after the ack: wait for them.
        self.app.followups.wait()
        self._posts.wait()
        acked: dict[str, Any] = json.loads(answer) if answer else {}
        self.acked.append(acked)
        return acked

    def _collect(self) -> None:
        while self._read < len(self.api.answered):
            call, answer = self.api.answered[self._read]
            self._read += 1
            if answer.status == 200 and answer.body.get("ok"):
                self._shown_by(call, answer)

    def _shown_by(self, call: Call, answer: Scripted) -> None:
        body, reply = call.body, slack_reply(call.body)
        if call.method in ("chat.postMessage", "chat.update"):
            how: How = "post" if call.method == "chat.postMessage" else "edit"
            channel, ts = str(body["channel"]), str(answer.body["ts"])
            if channel in NAMES:  # a user id: the post is in their DM with the app
                dm: How = "private" if how == "post" else "edit"
                where = OnSlack(channel, ts, ephemeral=False)
                shown = Shown(dm, reply, only=NAMES[channel], message=ts, payload=body)
                self._show(shown, where)
                return
            where = OnSlack(channel, ts, ephemeral=False)
            self._show(Shown(how, reply, channel=channel, message=ts, payload=body), where)
        elif call.method == "views.open":
            view = body["view"]
            self.forms[self._clickers[body["trigger_id"]]] = (
                json.loads(view) if isinstance(view, str) else view
            )
        elif call.method == "chat.postEphemeral":
            self._show(Shown("private", reply, only=NAMES[body["user"]], payload=body))
        elif call.method.startswith("/response/"):  # the mock names a response URL by its path
            name = call.method.removeprefix("/response/")
            replaced = self._clicked.get(name)
            message = replaced.message if replaced else name.partition(".")[2]
            # The replaced message keeps its place: its new buttons are clicked there.
            only = self._responders[name]
            shown = Shown("edit", reply, only=only, message=message, payload=body)
            self._show(shown, self._clicked.get(name))

    def _buttons_on(self, where: OnSlack, button: Button) -> list[Button]:
        """The message's buttons as shown with ``button`` (a stale click's message has been
        edited since): a click names its button by its position among them."""
        with self._lock:
            for shown in reversed(self._shown):
                if shown.message == where.message and button in shown.reply.buttons:
                    return list(shown.reply.buttons)
        raise AssertionError(f"no message {where.message} with {button}")

    def _slash_body(self, user: str, command: str, text: str, channel: str, name: str) -> str:
        responder = f"cmd-{next(self._ids)}"
        self._responders[responder] = user
        self._answered_by = responder
        return urlencode({
            "token": "legacy-verification-token", "team_id": TEAM, "team_domain": "hosting",
            "channel_id": channel, "channel_name": name, "user_id": USER_IDS[user],
            "user_name": user, "command": command, "text": text, "api_app_id": "A0001",
            "response_url": self.api.response_url(responder),
            "trigger_id": f"trigger-{next(self._ids)}",
        })  # fmt: skip

    def _action_body(self, user: str, index: int, button: Button, where: OnSlack) -> str:
        # A click's response URL replaces the clicked message; ephemeral ones only through it.
        responder = f"{user}-{next(self._ids)}.{where.message}"
        self._responders[responder] = user
        trigger = f"click-{next(self._ids)}"
        self._clickers[trigger] = user
        self._clicked[responder] = where
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM, "domain": "hosting"},
            "user": {"id": USER_IDS[user], "username": user, "team_id": TEAM},
            "api_app_id": "A0001",
            "container": {"type": "message", "message_ts": where.message,
                          "channel_id": where.channel, "is_ephemeral": where.ephemeral},
            "trigger_id": trigger,
            "channel": {"id": where.channel, "name": where.channel.lower()},
            "response_url": self.api.response_url(responder),
            "actions": [{"type": "button", "action_id": action_id(index, button),
                         "block_id": "b1", "value": button.value,
                         "action_ts": "1700000001.000100"}],
        }  # fmt: skip
        return urlencode({"payload": json.dumps(payload)})


def as_slack_sends(typed: str) -> str:
    """What Slack delivers for typed text with ``should_escape``: ``& < >`` as entities and
    ``@name`` of someone in the workspace as their mention (``<@UALICE|alice>``). Slack
    also makes links of URLs and domain-like words; tests that need one ``deliver`` it."""
    escaped = typed.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    def mention(found: re.Match[str]) -> str:
        name = found[1]
        return f"<@{USER_IDS[name]}|{name}>" if name in USER_IDS else found[0]

    return re.sub(r"(?<![\w.])@([a-z0-9._-]+)", mention, escaped)


def slack_reply(payload: dict[str, Any]) -> Reply:
    """A message as Slack was sent it (``text`` + Block Kit), read back into a ``Reply``:
    the header and the tone icon (heading the header, or the text when there is none), the
    text sections (a long text runs on over several), field sections,
    the code sections (each piece of a long code block fenced on its own), the buttons."""
    blocks: list[dict[str, Any]] = payload.get("blocks") or []
    header = next((b["text"]["text"] for b in blocks if b["type"] == "header"), None)
    sections = [
        _unescape(b["text"]["text"]) for b in blocks if "text" in b and b["type"] != "header"
    ]
    fenced = [s.startswith("```") and s.endswith("```") and len(s) >= 6 for s in sections]
    texts = [s for s, f in zip(sections, fenced, strict=True) if not f]
    first = "\n".join(texts) if texts else str(payload.get("text") or "")
    heading = header if header is not None else first
    icon = next((i for i in _ICONS if heading.startswith(i)), "")
    if header is not None:
        header = header.removeprefix(icon)
    pieces = [s[3:-3] for s, f in zip(sections, fenced, strict=True) if f]
    code = "\n".join(pieces) if pieces else None
    fields = [f for b in blocks for f in b.get("fields", ())]
    buttons = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    return Reply(
        title=header,
        text=first if header is not None else first.removeprefix(icon),
        fields=tuple(_field(f["text"]) for f in fields),
        code=code,
        buttons=tuple(_button(e) for e in buttons),
        tone=_ICONS.get(icon, "info"),
    )


def _field(mrkdwn: str) -> ReplyField:
    label, _, value = _unescape(mrkdwn).partition("\n")
    return ReplyField(label=label.strip("*"), value=value)


def _button(element: dict[str, Any]) -> Button:
    action = action_name(str(element["action_id"]))
    assert action is not None, element
    return Button(action=action, value=str(element["value"]), label=element["text"]["text"])


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


ADMIN_GROUP = "SADMINS"  # the admins' user group, mentioned on approval requests
SLACK_POLICY: dict[str, object] = {
    "admins_slack": frozenset(USER_IDS[a] for a in ADMINS),
    "admin_channel_slack": ADMIN_CHANNEL,
    "admin_group_slack": ADMIN_GROUP,
}


@contextmanager
def running_slackbot(
    client: redis.Redis,
    prefix: str,
    *,
    sim: Simulator | None = None,
    clock: FakeClock | None = None,
    cards: CardPlace = "channel",
    policy: Mapping[str, object] | None = None,
    worker: Mapping[str, object] | None = None,
    as_worker_runs: bool = False,
) -> Iterator[SlackKit]:
    """The testbot behind the bolt App, composed as ``jotunheim slack`` composes it: the
    handler posts through ``AfterAck`` (after the ack), the worker through its own notifier.
    ``sim``, ``clock``, ``policy`` and ``worker``: the testbot's (a manual clock for payloads
    that repeat exactly). ``cards``: where requests' cards go (``JOTUNHEIM_CARDS_SLACK``).
    ``as_worker_runs``: the worker's notifier is the one ``jotunheim
    worker`` builds (rate limits reported at once, one edit of a message a second); without
    it, one that waits out a 429 and edits as often as asked, as the flows (and the README
    screenshots rendered from them) were recorded with."""
    api = MockSlackApi()
    with api:
        settings = slack_api.settings(api)
        responses = ResponseUrls(client, prefix=prefix)  # the bot keeps them, workers use them
        bot_notifier = SlackNotifier(build_client(BOT_TOKEN, api.base_url), cards=cards)
        worker_client = build_client(BOT_TOKEN, api.base_url)
        build = worker_notifier if as_worker_runs else SlackNotifier
        worker_side = build(worker_client, responses=responses, cards=cards)
        posts = Followups(workers=1, name="slack-after-ack")
        try:
            with running_testbot(
                client,
                prefix,
                sim=sim,
                clock=clock,
                policy={**SLACK_POLICY, **(policy or {})},
                worker=worker,
                notifier=AfterAck(bot_notifier, posts),
                worker_notifier=worker_side,
            ) as core:
                for user, account in CUSTOMERS.items():
                    identity = Identity(platform="slack", workspace=TEAM, user=USER_IDS[user])
                    core.handler.stores.identities.link(identity, account)
                app = build_app(core.handler, settings, notifier=bot_notifier, responses=responses)
                try:
                    yield SlackKit(core, api, app, posts)
                finally:
                    app.followups.shutdown()
        finally:
            posts.shutdown()
