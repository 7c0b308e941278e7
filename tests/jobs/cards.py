"""Reading a request's one card off a ``ChatRecorder``: the card (posted once, then edited
at every later state) and the one completion notice that answers it with a mention."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tests.support.chat import ChatRecorder, Shown

_DURATION = re.compile(r"\b\d+ s\b")


@dataclass(frozen=True)
class Card:
    states: list[Shown]  # the post, then each edit of it, in order
    notice: Shown

    @property
    def title(self) -> str | None:
        """The card's heading (``Resize · acme-web (101)``): the same in every state."""
        titles = {s.reply.title for s in self.states}
        assert len(titles) == 1, titles
        return titles.pop()

    @property
    def texts(self) -> list[str]:
        """Each state's message text under the heading (``Reply.text``), durations made
        neutral (``N s``)."""
        return [neutral(s.reply.text) for s in self.states]

    @property
    def final(self) -> Shown:
        return self.states[-1]

    def field(self, label: str, state: Shown | None = None) -> str | None:
        shown = state or self.final
        return next((f.value for f in shown.reply.fields if f.label == label), None)


def neutral(text: str) -> str:
    """``Done in 4 s`` → ``Done in N s``: how long a task took is not the test's business."""
    return _DURATION.sub("N s", text)


def one_card(chat: ChatRecorder, *, since: int = 0, threaded: bool = True) -> Card:
    """The one card and the one mention notice posted since ``since``, and nothing else in
    the channel. ``threaded``: the notice answers the card (False only where the card's own
    post was lost and retried later, so its id was not known yet)."""
    posts = chat.notified("post", since=since)
    shown = "\n---\n".join(s.reply.text for s in posts)
    cards = [s for s in posts if not s.reply.mention]
    notices = [s for s in posts if s.reply.mention]
    assert len(cards) == 1, shown
    assert len(notices) == 1, shown
    card, notice = cards[0], notices[0]
    assert card.channel == notice.channel
    if threaded:
        assert notice.target is not None
        assert notice.target.reply_to == card.message, (notice.target, card.message)
    states = [s for s in chat.notified("post", "edit", since=since) if s.message == card.message]
    return Card(states=states, notice=notice)
