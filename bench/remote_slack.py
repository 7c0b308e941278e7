"""The mock Slack Web API in a process of its own, as the real one is remote.

In-process, the mock's HTTP handling ran on threads of the very process being measured and
competed with the bot for the GIL whenever a follow-up post (an approval message) was in
flight; in production that work happens at Slack. The bot's own side of each post (the
slack_sdk request on a follow-up thread) stays in the measured process.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import IO, Self

ROOT = Path(__file__).resolve().parents[1]
_SERVE = (
    "import sys\n"
    "from tests.support.slack_api import MockSlackApi\n"
    "with MockSlackApi() as api:\n"
    "    print(api.base_url, flush=True)\n"
    "    sys.stdin.read()  # until the parent closes it\n"
)


class RemoteMockSlackApi:
    def __init__(self) -> None:
        self._proc: subprocess.Popen[str] | None = None
        self._url = ""

    @property
    def base_url(self) -> str:
        return self._url

    def __enter__(self) -> Self:
        self._proc = subprocess.Popen(
            [sys.executable, "-c", _SERVE],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self._url = _first_line(self._proc.stdout)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._proc is not None:
            if self._proc.stdin is not None:
                self._proc.stdin.close()
            self._proc.wait(timeout=10)


def _first_line(stream: IO[str] | None) -> str:
    line = stream.readline().strip() if stream is not None else ""
    if not line.startswith("http://127.0.0.1:"):
        raise RuntimeError(f"the mock Slack API did not start (said {line!r})")
    return line
