"""What a person asked for, independent of the chat platform it came from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Platform = Literal["slack", "discord", "console"]
Scope = Literal["server", "admin", "auth"]


class Identity(BaseModel):
    """A chat user: unique per (platform, workspace or guild, user id)."""

    model_config = ConfigDict(frozen=True)

    platform: Platform
    workspace: str = Field(description="Slack team id, Discord guild id ('dm' for DMs)")
    user: str = Field(description="platform user id")

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.workspace}:{self.user}"

    @property
    def mention(self) -> str:
        """How chat names this person: the platform's own mention (shown as their name),
        ``@user`` on the console; never the identity key."""
        return f"@{self.user}" if self.platform == "console" else f"<@{self.user}>"

    @classmethod
    def from_key(cls, key: str) -> Identity | None:
        platform, _, rest = key.partition(":")
        workspace, _, user = rest.rpartition(":")
        if platform not in ("slack", "discord", "console") or not workspace or not user:
            return None
        return cls.model_validate({"platform": platform, "workspace": workspace, "user": user})


def shown_person(key: str) -> str:
    """An identity key as chat shows the person (a key that is no identity stays as is)."""
    found = Identity.from_key(key)
    return found.mention if found is not None else key


class Invocation(BaseModel):
    """One slash command or button click, as an adapter translated it.

    ``text`` is the canonical text form of the arguments (``resize 101 memory=8G``): Slack and
    the console pass what was typed; Discord renders its typed options into the same form so
    that one parser validates every platform alike.
    """

    model_config = ConfigDict(frozen=True)

    identity: Identity
    display_name: str = ""
    channel: str
    thread: str | None = None
    scope: Scope
    text: str = ""
    inbound_id: str = Field(description="platform delivery id; de-duplicates retries")
    roles: frozenset[str] = frozenset()
    is_direct_message: bool = False


@dataclass(frozen=True)
class Actor:
    """A person as the policy sees them: who, whether an admin, and their linked account."""

    identity: Identity
    name: str
    is_admin: bool
    account: str | None

    @property
    def key(self) -> str:
        return self.identity.key

    @property
    def mention(self) -> str:
        return f"@{self.name or self.identity.user}"
