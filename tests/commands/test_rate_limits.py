"""Rate limits: per chat identity and per account (all its linked identities together),
counting button clicks, never help."""

from __future__ import annotations

import redis

from bot.ports.invocation import Identity, Invocation, Scope
from bot.store.ratelimit import RateLimiter, Throttled
from tests.commands.conftest import World, make_world, settings
from tests.support.clock import FakeClock

SLACK = Identity(platform="slack", workspace="T1", user="U1")
DISCORD = Identity(platform="discord", workspace="4242", user="77")
DISCORD_DM = Identity(platform="discord", workspace="dm", user="77")
SLOW_ACCOUNT = "slow down: at most 5 commands a minute for account acme"


def limited_world(client: redis.Redis, prefix: str, *, each: int, account: int) -> World:
    policy = settings(rate_limit_per_minute=each, rate_limit_per_account_per_minute=account)
    world = make_world(client, prefix, policy)
    for who in (SLACK, DISCORD, DISCORD_DM):
        world.handler.stores.identities.link(who, "acme")
    return world


def say(world: World, who: Identity, text: str, scope: Scope = "server") -> str:
    invocation = Invocation(
        identity=who, display_name=who.user, channel="c", scope=scope, text=text,
        inbound_id=f"in-{next(world.counter)}",
    )  # fmt: skip
    return world.handler.handle(invocation).text


def test_three_identities_of_one_account_share_its_budget(
    redis_client: redis.Redis, key_prefix: str
) -> None:
    world = limited_world(redis_client, key_prefix, each=3, account=5)
    answers = [say(world, who, "list") for who in (SLACK, DISCORD, DISCORD_DM) for _ in range(2)]
    assert [a.startswith("2 server") for a in answers] == [True] * 5 + [False]
    assert answers[5].startswith(SLOW_ACCOUNT)
    assert "(all its linked chat users together); try again in " in answers[5]
    assert say(world, SLACK, "list").startswith(SLOW_ACCOUNT)  # within its own budget of 3
    assert world.say("gina", "list").text.startswith("1 server")  # another account


def test_the_identity_budget_still_holds_within_the_account(
    redis_client: redis.Redis, key_prefix: str
) -> None:
    world = limited_world(redis_client, key_prefix, each=2, account=5)
    answers = [say(world, SLACK, "list") for _ in range(3)]
    assert answers[2].startswith("slow down: at most 2 commands a minute; try again in ")
    # The identity's refused hit did not use the account's budget: 3 more fit.
    assert all(say(world, DISCORD if n < 2 else DISCORD_DM, "list").startswith("2 server")
               for n in range(3))  # fmt: skip
    assert say(world, DISCORD_DM, "list").startswith(SLOW_ACCOUNT)


def test_button_clicks_are_counted(redis_client: redis.Redis, key_prefix: str) -> None:
    world = limited_world(redis_client, key_prefix, each=3, account=100)
    ask = world.say("alice", "stop 101")
    for n in range(2):
        text = world.click("alice", "cancel", f"no-such-{n}").to_clicker.text
        assert text.startswith("this confirmation has expired")
    result = world.click("alice", "confirm", ask.buttons[0].value)
    assert result.to_clicker.text.startswith("slow down: at most 3 commands a minute")
    assert world.queue.submitted == []
    (refused,) = [e for e in world.handler.stores.audit.recent() if e.result.startswith("slow")]
    assert refused.command.startswith("button 'confirm'")


def test_a_confirmed_command_counts_once_as_its_click(
    redis_client: redis.Redis, key_prefix: str
) -> None:
    world = limited_world(redis_client, key_prefix, each=2, account=100)
    ask = world.say("alice", "stop 101")
    assert "queued" in world.click("alice", "confirm", ask.buttons[0].value).to_clicker.text
    assert world.say("alice", "list").text.startswith("slow down")


def test_help_is_not_counted(redis_client: redis.Redis, key_prefix: str) -> None:
    world = limited_world(redis_client, key_prefix, each=2, account=2)
    for _ in range(5):
        assert not say(world, SLACK, "help").startswith("slow down")
        assert not say(world, SLACK, "").startswith("slow down")  # bare /server is help
        assert not say(world, SLACK, "help", scope="auth").startswith("slow down")
        assert not world.say("boss", "help", scope="admin").text.startswith("slow down")
    assert say(world, SLACK, "list").startswith("2 server")
    assert say(world, SLACK, "list").startswith("2 server")
    assert say(world, SLACK, "list").startswith("slow down")
    assert not say(world, SLACK, "help resize").startswith("slow down")  # still answered


def test_text_that_does_not_parse_is_counted(redis_client: redis.Redis, key_prefix: str) -> None:
    world = limited_world(redis_client, key_prefix, each=2, account=100)
    assert say(world, SLACK, "frobnicate").startswith("command: expected one of")
    assert say(world, SLACK, "frobnicate").startswith("command: expected one of")
    assert say(world, SLACK, "frobnicate").startswith("slow down")


class CountingRedis(redis.Redis):
    """Records the name of every command sent to Redis."""

    sent: list[str]

    def execute_command(self, *args: object, **options: object) -> object:
        self.sent.append(str(args[0]))
        return super().execute_command(*args, **options)  # type: ignore[no-untyped-call]


def test_one_round_trip_checks_both_budgets(redis_client: redis.Redis, key_prefix: str) -> None:
    client = CountingRedis(connection_pool=redis_client.connection_pool)
    client.sent = []
    clock = FakeClock(100.0)
    limiter = RateLimiter(client, prefix=key_prefix, limit=2, account_limit=3, clock=clock)
    assert limiter.hit("a:1:x", "acme") is None  # loads the script
    client.sent.clear()
    clock.set(101.0)
    assert limiter.hit("a:1:y", "acme") is None
    clock.set(102.0)
    assert limiter.hit("a:1:y", "acme") is None
    clock.set(103.0)
    assert limiter.hit("a:1:z", "acme") == Throttled("account", 3, 57.0)
    clock.set(104.0)
    assert limiter.hit("a:1:y", "globex") == Throttled("identity", 2, 57.0)
    assert client.sent == ["EVALSHA"] * 4
    assert redis_client.zcard(f"{key_prefix}:rate-account:acme") == 3
    assert redis_client.zcard(f"{key_prefix}:rate:a:1:z") == 0  # refused: counted nowhere
    assert redis_client.zcard(f"{key_prefix}:rate-account:globex") == 0
    clock.set(160.5)
    assert limiter.hit("a:1:z", "acme") is None  # the window slid past the first
