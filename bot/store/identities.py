"""Who a chat user is to us: links (platform, workspace, user) → customer account, and the
one-time invite codes that create them.

Layout (prefix ``jh``): ``{p}:link:{identity key}`` → account, ``{p}:links:{account}`` set of
identity keys, ``{p}:invite:{code}`` → account (expires). Redeeming a code and writing the
link happen in one transaction, so a code is never spent without a link being made.
"""

from __future__ import annotations

import secrets

import redis

from bot.commands.registry import Parsed
from bot.ports.codec import decoded
from bot.ports.invocation import Actor, Identity
from bot.ports.reply import Reply


class InvalidCode(ValueError):
    """An unknown, used or expired invite code (a user error)."""


class IdentityStore:
    def __init__(self, client: redis.Redis, *, prefix: str = "jh", invite_ttl: int = 86400) -> None:
        self._r = client
        self._p = prefix
        self.invite_ttl = invite_ttl

    def account_of(self, identity: Identity) -> str | None:
        raw = self._r.get(self._link_key(identity.key))
        return decoded(raw) if raw else None

    def identities_of(self, account: str) -> list[str]:
        return sorted(decoded(k) for k in self._r.smembers(f"{self._p}:links:{account}"))

    def link(self, identity: Identity, account: str) -> str | None:
        """Link (or re-link) a chat user; returns the account it was linked to before."""
        previous = self.account_of(identity)
        pipe = self._r.pipeline(transaction=True)
        if previous and previous != account:
            pipe.srem(f"{self._p}:links:{previous}", identity.key)
        pipe.set(self._link_key(identity.key), account)
        pipe.sadd(f"{self._p}:links:{account}", identity.key)
        pipe.execute()
        return previous

    def unlink(self, identity: Identity) -> str | None:
        previous = self.account_of(identity)
        if previous is None:
            return None
        pipe = self._r.pipeline(transaction=True)
        pipe.delete(self._link_key(identity.key))
        pipe.srem(f"{self._p}:links:{previous}", identity.key)
        pipe.execute()
        return previous

    def create_invite(self, account: str) -> str:
        while True:
            code = secrets.token_hex(6)
            if self._r.set(f"{self._p}:invite:{code}", account, nx=True, ex=self.invite_ttl):
                return code

    def redeem(self, code: str, identity: Identity) -> str | None:
        """Spend a code and link the user at once; ``None`` for an unknown or used code."""
        key = f"{self._p}:invite:{code}"
        with self._r.pipeline(transaction=True) as pipe:
            try:
                pipe.watch(key)  # type: ignore[no-untyped-call]
                raw = pipe.get(key)
                if raw is None:
                    return None
                account = decoded(raw)
                previous = self.account_of(identity)
                pipe.multi()
                pipe.delete(key)
                if previous and previous != account:
                    pipe.srem(f"{self._p}:links:{previous}", identity.key)
                pipe.set(self._link_key(identity.key), account)
                pipe.sadd(f"{self._p}:links:{account}", identity.key)
                pipe.execute()
            except redis.WatchError:  # someone else spent it between our read and write
                return None
        return account

    def _link_key(self, identity_key: str) -> str:
        return f"{self._p}:link:{identity_key}"


def identity_command(store: IdentityStore, actor: Actor, parsed: Parsed) -> Reply:
    """``/auth link|whoami|unlink`` and ``/admin invite|link|unlink``."""
    scope, name = parsed.command.scope, parsed.command.name
    if scope == "auth":
        return _auth(store, actor, name, parsed)
    if name == "invite":
        account = parsed.get("account")
        code = store.create_invite(account)
        hours = round(store.invite_ttl / 3600)
        return Reply(
            text=f"one-time code for account {account} (expires in {hours} h): "
            f"the customer runs /auth link {code}",
            tone="success",
        )
    user = Identity(
        platform=actor.identity.platform,
        workspace=actor.identity.workspace,
        user=parsed.get("user"),
    )
    if name == "link":
        store.link(user, parsed.get("account"))
        return Reply(
            text=f"linked {user.mention} to account {parsed.get('account')}", tone="success"
        )
    previous = store.unlink(user)
    return Reply(
        text=f"unlinked {user.mention} from {previous}"
        if previous
        else f"{user.mention} was not linked"
    )


def _auth(store: IdentityStore, actor: Actor, name: str, parsed: Parsed) -> Reply:
    if name == "link":
        account = store.redeem(parsed.get("code"), actor.identity)
        if account is None:
            raise InvalidCode(
                "code: expected a valid, unused code from /admin invite (codes expire after 24 h)"
            )
        return Reply(
            text=f"linked: you now manage the servers of account {account}", tone="success"
        )
    if name == "unlink":
        previous = store.unlink(actor.identity)
        return Reply(
            text=f"unlinked from account {previous}"
            if previous
            else "this chat user was not linked"
        )
    role = " (admin)" if actor.is_admin else ""
    if actor.account is None:
        return Reply(text=f"{actor.identity.mention}{role}: not linked to an account")
    return Reply(text=f"{actor.identity.mention}{role}: linked to account {actor.account}")
