"""Rate limits: per chat identity and per account (all its linked identities together),
counting button clicks, never help."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import redis

from bot.ports.invocation import Identity, Scope
from bot.ports.reply import Button
from bot.store.ratelimit import RateLimiter, Throttled
from tests.commands.kit import new_prefix
from tests.support.clock import FakeClock
from tests.support.testbot import TestBot, running_testbot

SLACK = Identity(platform="slack", workspace="T1", user="U1")
DISCORD = Identity(platform="discord", workspace="4242", user="77")
DISCORD_DM = Identity(platform="discord", workspace="dm", user="77")
SLOW_ACCOUNT = "slow down: at most 5 commands a minute for account acme"


@contextmanager
def limited(client: redis.Redis, *, each: int, account: int) -> Iterator[TestBot]:
    """A testbot with these budgets; acme also has a Slack user and a Discord user (whose
    direct messages are an identity of their own)."""
    budgets = {"rate_limit_per_minute": each, "rate_limit_per_account_per_minute": account}
    with running_testbot(client, new_prefix(), policy=budgets) as bot:
        for who in (SLACK, DISCORD, DISCORD_DM):
            bot.handler.stores.identities.link(who, "acme")
        yield bot


def say(bot: TestBot, who: Identity, text: str, scope: Scope = "server") -> str:
    """``/<scope> <text>`` from that platform's identity."""
    invocation = bot.invocation(who.user, f"/{scope} {text}", as_identity=who)
    return bot.deliver(who.user, invocation).text


def test_three_identities_of_one_account_share_its_budget(testbot_redis: redis.Redis) -> None:
    with limited(testbot_redis, each=3, account=5) as bot:
        answers = [say(bot, who, "list") for who in (SLACK, DISCORD, DISCORD_DM) for _ in range(2)]
        assert [a.startswith("2 server") for a in answers] == [True] * 5 + [False]
        assert answers[5].startswith(SLOW_ACCOUNT)
        assert "(all its linked chat users together); try again in " in answers[5]
        assert say(bot, SLACK, "list").startswith(SLOW_ACCOUNT)  # within its own budget of 3
        assert bot.send("gina", "/server list").text.startswith("1 server")  # another account


def test_the_identity_budget_still_holds_within_the_account(testbot_redis: redis.Redis) -> None:
    with limited(testbot_redis, each=2, account=5) as bot:
        answers = [say(bot, SLACK, "list") for _ in range(3)]
        assert answers[2].startswith("slow down: at most 2 commands a minute; try again in ")
        # The identity's refused hit did not use the account's budget: 3 more fit.
        assert all(say(bot, DISCORD if n < 2 else DISCORD_DM, "list").startswith("2 server")
                   for n in range(3))  # fmt: skip
        assert say(bot, DISCORD_DM, "list").startswith(SLOW_ACCOUNT)


def test_button_clicks_are_counted(testbot_redis: redis.Redis) -> None:
    with limited(testbot_redis, each=3, account=100) as bot:
        ask = bot.send("alice", "/server stop 101")
        for n in range(2):
            stale = Button(action="cancel", value=f"no-such-{n}", label="Cancel")
            text = bot.click("alice", stale).to_clicker.text
            assert text.startswith("this confirmation has expired")
        result = bot.click("alice", ask.buttons[0])
        assert result.to_clicker.text.startswith("slow down: at most 3 commands a minute")
        assert bot.jobs_created() == 0
        (refused,) = [e for e in bot.handler.stores.audit.recent() if e.result.startswith("slow")]
        assert refused.command.startswith("button 'confirm'")


def test_a_confirmed_command_counts_once_as_its_click(testbot_redis: redis.Redis) -> None:
    with limited(testbot_redis, each=2, account=100) as bot:
        bot.send("alice", "/server stop 101")
        assert "queued" in bot.confirm("alice").text
        assert bot.send("alice", "/server list").text.startswith("slow down")


def test_help_is_not_counted(testbot_redis: redis.Redis) -> None:
    with limited(testbot_redis, each=2, account=2) as bot:
        for _ in range(5):
            assert not say(bot, SLACK, "help").startswith("slow down")
            assert not say(bot, SLACK, "").startswith("slow down")  # bare /server is help
            assert not say(bot, SLACK, "help", scope="auth").startswith("slow down")
            assert not bot.send("boss", "/admin help").text.startswith("slow down")
        assert say(bot, SLACK, "list").startswith("2 server")
        assert say(bot, SLACK, "list").startswith("2 server")
        assert say(bot, SLACK, "list").startswith("slow down")
        assert not say(bot, SLACK, "help resize").startswith("slow down")  # still answered


def test_text_that_does_not_parse_is_counted(testbot_redis: redis.Redis) -> None:
    with limited(testbot_redis, each=2, account=100) as bot:
        assert say(bot, SLACK, "frobnicate").startswith("command: expected one of")
        assert say(bot, SLACK, "frobnicate").startswith("command: expected one of")
        assert say(bot, SLACK, "frobnicate").startswith("slow down")


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
