"""Invite codes: one account, one use, and gone after their 24 hours."""

from __future__ import annotations

import time

import redis

from bot.ports.invocation import Identity
from bot.store.identities import IdentityStore

ALICE = Identity(platform="slack", workspace="T1", user="U1")


def test_an_invite_lives_24_hours_and_cannot_be_redeemed_after(
    redis_client: redis.Redis, key_prefix: str
) -> None:
    store = IdentityStore(redis_client, prefix=key_prefix)
    code = store.create_invite("acme")
    (key,) = list(redis_client.scan_iter(match=f"{key_prefix}:*invite*"))
    assert 86_390 <= int(redis_client.ttl(key)) <= 86_400

    redis_client.pexpire(key, 1)  # the 24 hours have passed
    time.sleep(0.01)

    assert store.redeem(code, ALICE) is None
    assert store.account_of(ALICE) is None
