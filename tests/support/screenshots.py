"""``scripts/screenshots``: capture the README's flows on Slack and Discord (``screens``),
draw each as an HTML page (``render_html``), let Debian's headless Chromium take the
pictures, and record each picture's payload hash in ``docs/screenshots/payloads.json``, which
``tests/e2e/test_screenshots.py`` compares with today's payloads.

    python -m tests.support.screenshots [--html DIR]

Chromium is asked twice per picture: once for the page's height (the page writes it into
its DOM, ``--dump-dom`` prints it), once for the screenshot at exactly that size.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.support.redis_server import RedisServer
from tests.support.render_discord import DiscordLook
from tests.support.render_html import Look, page, page_width
from tests.support.render_slack import SlackLook
from tests.support.screens import Capture, Platform, capture_all

ROOT = Path(__file__).resolve().parents[2]
PICTURES = ROOT / "docs" / "screenshots"
RECORD = PICTURES / "payloads.json"
SCALE = 1.5  # device pixels per CSS pixel: sharp on a high-density screen
REGENERATE = "scripts/screenshots"
LOOKS: dict[Platform, Look] = {"slack": SlackLook(), "discord": DiscordLook()}


def render(capture: Capture) -> str:
    """The capture's page, as the screenshot shows it."""
    return page(capture, LOOKS[capture.platform])


def record_of(captures: list[Capture]) -> dict[str, object]:
    """What payloads.json holds: for each picture, the hash of the payloads it shows."""
    return {
        "regenerate": f"{REGENERATE} (it rewrites the pictures and this file)",
        "hashed": "sha256 of tests.support.screens.normalised(the picture's payloads)",
        "pictures": {
            f"{c.stem}.png": {
                "flow": c.shot.title,
                "platform": c.platform,
                "payloads_sha256": c.digest(),
            }
            for c in captures
        },
    }


def recorded() -> dict[str, str]:
    """Each recorded picture's payload hash (empty when nothing was recorded yet)."""
    if not RECORD.exists():
        return {}
    pictures = json.loads(RECORD.read_text())["pictures"]
    return {name: str(entry["payloads_sha256"]) for name, entry in pictures.items()}


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    raise SystemExit(f"screenshots: no chromium; {REGENERATE} installs Debian's package")


def _browser(binary: str, width: int, height: int) -> list[str]:
    sandbox = ["--no-sandbox"] if os.geteuid() == 0 else []  # Chromium refuses root otherwise
    return [
        binary, "--headless", *sandbox, "--disable-gpu", "--hide-scrollbars",
        "--no-first-run", "--disable-extensions", "--mute-audio",
        f"--force-device-scale-factor={SCALE}", f"--window-size={width},{height}",
    ]  # fmt: skip


def shoot(binary: str, source: Path, target: Path, width: int) -> None:
    """``source`` drawn by Chromium into ``target``, exactly as tall as the page."""
    url = source.resolve().as_uri()
    dom = _run([*_browser(binary, width, 900), "--dump-dom", url])
    found = re.search(r'data-height="(\d+)"', dom)
    if found is None:
        raise SystemExit(f"screenshots: {source.name} did not report its height")
    _run([*_browser(binary, width, int(found[1])), f"--screenshot={target}", url])
    if not target.exists():
        raise SystemExit(f"screenshots: chromium wrote no {target}")
    squeeze(target)


def squeeze(picture: Path) -> None:
    """A palette of 256 colours (pngquant): a third of the size, no difference to the eye."""
    binary = shutil.which("pngquant")
    if binary is None:
        print(f"screenshots: no pngquant, {picture.name} stays full size", file=sys.stderr)
        return
    command = [binary, "--quality=70-95", "--speed=1", "--strip", "--force", "--ext=.png"]
    done = subprocess.run([*command, str(picture)], capture_output=True, timeout=60, check=False)
    if done.returncode not in (0, 98, 99):  # 98, 99: no smaller file at that quality; kept
        raise SystemExit(f"screenshots: pngquant failed ({done.returncode}) on {picture.name}")


def _run(command: list[str]) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    if done.returncode != 0:
        name = Path(command[0]).name
        raise SystemExit(f"screenshots: {name} failed ({done.returncode}):\n{done.stderr}")
    return done.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=REGENERATE, description=__doc__.split("\n\n")[0])
    parser.add_argument("--html", type=Path, help="also keep the HTML pages in this folder")
    args = parser.parse_args(argv)
    started = time.monotonic()
    binary = chromium()
    server = RedisServer().start()
    try:
        with server.client() as client:
            captures = capture_all(client)
    finally:
        server.stop()
    PICTURES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="jh-shots-") as scratch:
        folder = args.html or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        for capture in captures:
            source = folder / f"{capture.stem}.html"
            source.write_text(render(capture))
            target = PICTURES / f"{capture.stem}.png"
            shoot(binary, source, target, page_width(capture))
            print(f"{target.relative_to(ROOT)}  {target.stat().st_size // 1024} KiB")
    RECORD.write_text(json.dumps(record_of(captures), indent=2) + "\n")
    print(f"{RECORD.relative_to(ROOT)} written in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
