"""Where a request's card lives on Discord (``JOTUNHEIM_CARDS_DISCORD``).

Customers share community guilds, so by default (``ephemeral``) the card is an ephemeral
follow-up of the request's own interaction: only the requester sees it, and it is edited
through that interaction's token. The token lives 15 minutes; shortly before it expires the
card moves to the requester's DM, and its last ephemeral edit says where it went. The
completion notice follows the card: an ephemeral follow-up that mentions the requester, or a
reply in the DM. ``dm`` puts the card in the DM from the start; ``channel`` posts it in the
channel for everyone there (a provider's own server, one channel per customer).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Literal

import httpx

from bot.adapters.discord.render import message_payload
from bot.adapters.discord.tokens import InteractionTokens
from bot.ports.notify import MessageRef, ReplyTarget
from bot.ports.reply import Reply

log = logging.getLogger(__name__)

CardPlace = Literal["ephemeral", "dm", "channel"]
# Seconds of token life below which an edit moves the card to the DM instead: the move
# needs the token once more, to say on the ephemeral card where it went.
HANDOVER_SECONDS = 120.0
_GONE = {401, 403, 404}

Send = Callable[[str, str, dict[str, Any]], httpx.Response]  # method, path, body (webhook)
Bot = Callable[[str, str, dict[str, Any]], dict[str, Any]]  # the bot-token REST call
Check = Callable[[httpx.Response, str], None]  # raises the notifier's error for a refusal


class PrivateCards:
    """Cards shown to the requester only: ephemeral follow-ups, continued in the DM."""

    def __init__(
        self, app: int, tokens: InteractionTokens, *, send: Send, bot: Bot, check: Check
    ) -> None:
        self._app = app
        self._tokens = tokens
        self._send = send
        self._bot = bot
        self._ok = check

    def post(self, target: ReplyTarget, reply: Reply, *, place: CardPlace) -> MessageRef:
        token = self._token(target.request) if place == "ephemeral" else None
        if token is not None and target.request is not None:
            path = f"/webhooks/{self._app}/{token}?wait=true"
            response = self._send("POST", path, message_payload(reply, ephemeral=True))
            if response.status_code not in _GONE:
                self._ok(response, "POST /webhooks/{app}/{token}")
                message = str(response.json()["id"])
                return MessageRef(
                    channel=target.channel,
                    id=message,
                    request=target.request,
                    user=target.requester,
                )
            self._tokens.forget_request(target.request)
        return self._in_dm(target.requester, reply)

    def update(self, ref: MessageRef, reply: Reply) -> None:
        moved = self._tokens.moved(ref.id)
        if moved is not None:
            self._bot(
                "PATCH", f"/channels/{moved.channel}/messages/{moved.id}", message_payload(reply)
            )
            return
        token = self._token(ref.request) if ref.request else None
        left = self._tokens.seconds_left(ref.request) if ref.request else 0.0
        if token is not None and left > HANDOVER_SECONDS and self._edited(token, ref.id, reply):
            return
        self._hand_over(ref, reply, token)

    def notice(self, target: ReplyTarget, reply: Reply, *, place: CardPlace) -> MessageRef:
        """The completion notice of a private card: where the card is now, mentioning."""
        if place == "dm":  # a DM notifies by itself
            return self._in_dm(target.requester, reply, answering=target.reply_to)
        moved = self._tokens.moved(target.reply_to) if target.reply_to else None
        token = self._token(target.request) if moved is None and target.request else None
        content = reply.model_copy(update={"text": f"<@{target.requester}> {reply.text}"})
        if token is not None and target.request is not None:
            body = message_payload(content, ephemeral=True)
            body["allowed_mentions"] = {"users": [target.requester]}
            response = self._send("POST", f"/webhooks/{self._app}/{token}?wait=true", body)
            if response.status_code not in _GONE:
                self._ok(response, "POST /webhooks/{app}/{token}")
                return MessageRef(channel=target.channel, id=str(response.json()["id"]))
        return self._in_dm(target.requester, reply, answering=moved.id if moved else None)

    def _hand_over(self, ref: MessageRef, reply: Reply, token: str | None) -> None:
        """The token is (nearly) spent: the card continues in the requester's DM."""
        continued = self._in_dm(ref.user or "", reply)
        self._tokens.move(ref.id, continued)
        if token is not None:
            link = f"https://discord.com/channels/@me/{continued.channel}/{continued.id}"
            pointer = Reply(
                title=reply.title,
                text=f"This card continues in your direct messages with me: {link}",
                tone=reply.tone,
            )
            self._edited(token, ref.id, pointer)

    def _in_dm(self, user: str, reply: Reply, *, answering: str | None = None) -> MessageRef:
        dm = self._bot("POST", "/users/@me/channels", {"recipient_id": user})
        body = message_payload(reply)
        if answering:
            body["message_reference"] = {"message_id": answering, "fail_if_not_exists": False}
        sent = self._bot("POST", f"/channels/{dm['id']}/messages", body)
        return MessageRef(channel=str(dm["id"]), id=str(sent["id"]))

    def _edited(self, token: str, message: str, reply: Reply) -> bool:
        path = f"/webhooks/{self._app}/{token}/messages/{message}"
        response = self._send("PATCH", path, message_payload(reply))
        if response.status_code in _GONE:
            return False
        self._ok(response, "PATCH /webhooks/{app}/{token}/messages/{id}")
        return True

    def _token(self, request: str | None) -> str | None:
        found = self._tokens.of_request(request) if request else None
        return found.get_secret_value() if found is not None else None
