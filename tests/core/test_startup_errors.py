"""A process that cannot start says why in one line and exits non-zero; ``--debug`` adds the
traceback; no secret is ever printed. Each case runs ``python -m bot.cli`` in a subprocess
with a clean environment: a Redis URL on a closed port, tokens the (mock) service rejects,
a Proxmox cluster that does not answer - which only warns: the worker starts anyway."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from proxmox.simulator import SIM_TOKEN_ID, Simulator
from tests.support.discord_api import MockDiscordApi
from tests.support.redis_server import RedisServer, free_port
from tests.support.slack_api import MockSlackApi, Scripted

REPO = Path(__file__).resolve().parents[2]
SECRETS = ("hunter2-redis", "pve-secret-0000", "xoxb-secret-bot", "xapp-secret-app", "dc-secret")
WORKER = {"PROXMOX_URL": "https://127.0.0.1:1", "PROXMOX_TOKEN_ID": SIM_TOKEN_ID,
          "PROXMOX_TOKEN_SECRET": "pve-secret-0000"}  # fmt: skip
SLACK = {"SLACK_BOT_TOKEN": "xoxb-secret-bot", "SLACK_APP_TOKEN": "xapp-secret-app"}
DISCORD = {"DISCORD_BOT_TOKEN": "dc-secret", "DISCORD_APPLICATION_ID": "99",
           "DISCORD_GUILD_IDS": "1"}  # fmt: skip
REFUSED = "Connection refused."


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str

    @property
    def ours(self) -> list[str]:
        """The lines ``bot.cli`` wrote (libraries may log lines of their own)."""
        return [line for line in self.err.splitlines() if line.startswith("jotunheim ")]


def run(args: list[str], env: dict[str, str], *, discord_base: str | None = None) -> Ran:
    """``jotunheim <args>`` with only ``env`` (and PATH) set; ``discord_base`` points
    discord.py's own HTTP client at a mock, as the sync tests do in-process."""
    clean = {"PATH": os.environ["PATH"], "JOTUNHEIM_ENV_FILE": "", **env}
    code = ["-m", "bot.cli"]
    if discord_base is not None:
        code = ["-c", f"import sys, discord.http; discord.http.Route.BASE = {discord_base!r}; "
                      "from bot.cli import main; sys.exit(main())"]  # fmt: skip
    done = subprocess.run(
        [sys.executable, *code, *args],
        cwd=REPO, env=clean, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    ran = Ran(done.returncode, done.stdout, done.stderr)
    for secret in SECRETS:
        assert secret not in ran.out + ran.err
    return ran


def assert_one_line(ran: Ran, line: str, code: int) -> None:
    assert (ran.code, ran.ours) == (code, [line]), ran.err
    assert ran.err.rstrip("\n").endswith(line)
    assert "Traceback" not in ran.err


@pytest.fixture
def closed_redis() -> str:
    """A Redis URL, with a password, where nothing listens."""
    return f"redis://:hunter2-redis@127.0.0.1:{free_port()}/0"


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A server of this test's own: a starting worker writes to it."""
    server = RedisServer(appendonly=False).start()
    yield server
    server.stop()
    shutil.rmtree(server.directory, ignore_errors=True)


@pytest.mark.parametrize(
    ("kind", "args", "env"),
    [
        ("queue", ["queue"], {}),
        ("queue", ["queue", "failed"], {}),
        ("worker", ["worker", "--burst"], WORKER),
        ("slack", ["slack"], SLACK),
        ("discord", ["discord"], DISCORD),
    ],
)
def test_no_redis_is_one_line_and_exit_1(
    kind: str, args: list[str], env: dict[str, str], closed_redis: str
) -> None:
    ran = run(args, {"REDIS_URL": closed_redis, **env})
    port = closed_redis.rsplit(":", 1)[1].split("/", maxsplit=1)[0]
    expected = f"cannot reach Redis (REDIS_URL): Error 111 connecting to 127.0.0.1:{port}. "
    assert_one_line(ran, f"jotunheim {kind}: {expected}{REFUSED}", 1)


def test_debug_adds_the_traceback_before_or_after_the_command(closed_redis: str) -> None:
    for args in (["--debug", "queue"], ["queue", "--debug"]):
        ran = run(args, {"REDIS_URL": closed_redis})
        assert ran.code == 1
        assert ran.err.startswith("Traceback (most recent call last):")
        assert "redis.exceptions.ConnectionError: Error 111" in ran.err
        assert ran.err.splitlines()[-1].startswith("jotunheim queue: cannot reach Redis")


def test_a_redis_password_refused_is_one_line_and_exit_2(tmp_path: Path) -> None:
    port = free_port()
    binary = shutil.which("redis-server")
    assert binary is not None, "redis-server is not installed: .ci/ensure-redis installs it"
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path), "--requirepass", "the-right-one"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_for_port(port)
        ran = run(["queue"], {"REDIS_URL": f"redis://:hunter2-redis@127.0.0.1:{port}/0"})
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert_one_line(
        ran,
        "jotunheim queue: Redis refused the credentials in REDIS_URL: invalid username-password "
        "pair or user is disabled.",
        2,
    )


def _wait_for_port(port: int) -> None:
    deadline = time.monotonic() + 10
    while True:
        try:
            redis.Redis(host="127.0.0.1", port=port).ping()
        except redis.exceptions.AuthenticationError:
            return  # it answers, and wants the password
        except redis.exceptions.ConnectionError:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)


def test_a_proxmox_token_rejected_stops_the_worker(own_redis: RedisServer) -> None:
    sim = Simulator.demo()
    with sim.serve() as url:
        ran = run(["worker", "--burst", "--simple"],
                  {**WORKER, "PROXMOX_URL": url, "REDIS_URL": own_redis.url})  # fmt: skip
    assert_one_line(
        ran,
        "jotunheim worker: Proxmox rejected the API token (authentication failure); check "
        "PROXMOX_TOKEN_ID/SECRET [GET /version, HTTP 401]",
        2,
    )
    assert [(c.method, c.path) for c in sim.calls] == [("GET", "/version")]


def test_a_proxmox_that_does_not_answer_is_a_warning_and_the_worker_starts(
    own_redis: RedisServer,
) -> None:
    port = free_port()
    env = {**WORKER, "PROXMOX_URL": f"https://127.0.0.1:{port}", "REDIS_URL": own_redis.url}
    ran = run(["worker", "--burst", "--simple", "--log-level", "INFO"], env)
    assert (ran.code, ran.ours) == (0, []), ran.err
    assert "Traceback" not in ran.err
    warned = [line for line in ran.err.splitlines() if "starts anyway" in line]
    assert len(warned) == 1
    assert warned[0].endswith(
        " jotunheim.worker cannot reach Proxmox: [Errno 111] Connection refused [GET /version] "
        f"(PROXMOX_URL=https://127.0.0.1:{port}); the worker starts anyway"
    )
    started = ran.err.index("jotunheim.worker worker on jh-high, jh-default, jh-low")
    assert started > ran.err.index(warned[0])


def test_a_slack_bot_token_rejected_is_one_line(own_redis: RedisServer) -> None:
    with MockSlackApi() as api:
        api.script("auth.test", Scripted(200, {"ok": False, "error": "invalid_auth"}))
        ran = run(["slack"], {**SLACK, "SLACK_API_URL": api.base_url, "REDIS_URL": own_redis.url})
    assert_one_line(
        ran, "jotunheim slack: Slack rejected SLACK_BOT_TOKEN (auth.test: invalid_auth)", 2
    )


def test_a_slack_app_token_rejected_is_one_line(own_redis: RedisServer) -> None:
    with MockSlackApi() as api:
        api.script("apps.connections.open", Scripted(200, {"ok": False, "error": "invalid_auth"}))
        ran = run(["slack"], {**SLACK, "SLACK_API_URL": api.base_url, "REDIS_URL": own_redis.url})
        assert [c.method for c in api.calls] == ["auth.test", "apps.connections.open"]
    assert_one_line(
        ran,
        "jotunheim slack: Slack rejected SLACK_APP_TOKEN (apps.connections.open: invalid_auth)",
        2,
    )


def test_no_slack_is_one_line(own_redis: RedisServer) -> None:
    api_url = f"http://127.0.0.1:{free_port()}/api/"
    ran = run(["slack"], {**SLACK, "SLACK_API_URL": api_url, "REDIS_URL": own_redis.url})
    assert_one_line(
        ran,
        f"jotunheim slack: cannot reach Slack at {api_url} (SLACK_API_URL): "
        "[Errno 111] Connection refused",
        2,
    )


@pytest.mark.parametrize("args", [["discord"], ["discord", "sync"]])
def test_a_discord_token_rejected_is_one_line(args: list[str], own_redis: RedisServer) -> None:
    api = MockDiscordApi()  # it takes only its own test token
    api.start()
    try:
        ran = run(args, {**DISCORD, "REDIS_URL": own_redis.url}, discord_base=api.base)
    finally:
        api.stop()
    assert [(c.method, c.path) for c in api.calls] == [("GET", "/api/v10/users/@me")]
    assert_one_line(
        ran,
        "jotunheim discord: Discord rejected DISCORD_BOT_TOKEN: Improper token has been passed.",
        2,
    )


def test_the_demo_says_what_is_wrong_in_one_line_and_shows_the_traceback_with_debug() -> None:
    line = (
        "jotunheim demo: invalid configuration: REDIS_URL: Value error, must be a redis://, "
        "rediss:// or unix:// URL"
    )
    assert_one_line(run(["demo", "--script"], {"REDIS_URL": "http://127.0.0.1:1"}), line, 2)
    ran = run(["demo", "--script", "--debug"], {"REDIS_URL": "http://127.0.0.1:1"})
    assert (ran.code, ran.ours) == (2, [line])
    assert ran.err.startswith("Traceback (most recent call last):")
