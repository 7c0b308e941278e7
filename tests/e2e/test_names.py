"""Names, through the testbot: a template with a dot in its name builds and rebuilds servers,
and a misspelt command or key is answered with the nearest right one - the exact reply,
nothing enqueued, no request at the simulator, a ``refused`` audit entry.

The demo fleet holds the templates 9000 ``debian-12`` and 9001 ``ubuntu-24.04``; alice
(acme) owns 101 acme-web; boss is an admin."""

from __future__ import annotations

import pytest

from tests.support.conversation import perform
from tests.support.testbot import TestBot

RESIZE_USAGE = "/server resize <vm> [cpu=N] [memory=SIZE] [disk=SIZE|+SIZE] [dry-run=yes|no]"
SERVER_COMMANDS = (
    "backup, help, list, password, reboot, rebuild, reset, resize, shutdown, start, status, "
    "stop, task"
)
CREATE_USAGE = (
    "/admin server create <account> template=NAME cpu=N memory=SIZE disk=SIZE [node=NODE] "
    "[name=NAME] [dry-run=yes|no]"
)
UBUNTU = 9001

REFUSED = [
    ("alice", "/server rezise 101 cpu=4",
     f"command: expected one of {SERVER_COMMANDS}; got 'rezise' — did you mean resize?\n"
     f"usage: {RESIZE_USAGE}"),
    ("alice", "/server resize 101 cpus=4",
     "cpus: is not an argument of resize; keys: cpu=, memory=, disk=, dry-run= — did you mean "
     f"cpu=4?\nusage: {RESIZE_USAGE}"),
    ("boss", "/admin server craete acme template=ubuntu-24.04 cpu=2 memory=4G disk=40G",
     "command: expected one of server create, server delete; got 'server craete' — did you "
     f"mean server create?\nusage: {CREATE_USAGE}"),
    ("alice", "/server frobnicate 101",
     f"command: expected one of {SERVER_COMMANDS}; got 'frobnicate'\nusage: /server help"),
    ("alice", "/server rebuild 101 template=debian_12",
     "template: expected a template name (letters, digits, . and -); "
     "got 'debian_12': a Proxmox VM name has no _ — did you mean debian-12?\n"
     "usage: /server rebuild <vm> [template=NAME] [dry-run=yes|no]"),
]  # fmt: skip


def cloned(bot: TestBot) -> list[int]:
    """The VMIDs Proxmox was asked to clone (and did): which template a build used."""
    calls = [c for c in bot.calls if c.method == "POST" and c.path.endswith("/clone") and c.ok]
    return [int(c.path.split("/")[-2]) for c in calls]


@pytest.mark.parametrize(("user", "line", "expected"), REFUSED, ids=[r[1] for r in REFUSED])
def test_a_misspelling_is_answered_with_the_nearest_right_form(
    testbot: TestBot, user: str, line: str, expected: str
) -> None:
    reply = testbot.send(user, line)
    assert reply.text == expected
    assert (reply.tone, reply.buttons) == ("warning", ())
    assert testbot.jobs_created() == 0
    assert testbot.calls == []
    assert testbot.handler.stores.approvals.pending() == []
    (last,) = testbot.handler.stores.audit.recent(limit=1)
    assert (last.event, last.result) == ("refused", expected)


def test_an_admin_builds_a_server_from_the_dotted_template(testbot: TestBot) -> None:
    before = set(testbot.sim.vms)
    done = perform(
        testbot, "boss", "/admin server create acme template=ubuntu-24.04 cpu=2 memory=4G disk=40G"
    )
    assert all(s.reply.tone != "error" for s in done.seen), done.text
    (new,) = [vm for vmid, vm in testbot.sim.vms.items() if vmid not in before]
    assert new.status == "running"
    assert "owner-acme" in str(new.config.get("tags"))
    assert cloned(testbot) == [UBUNTU]


def test_a_customer_rebuilds_from_the_dotted_template_after_approval(testbot: TestBot) -> None:
    done = perform(testbot, "alice", "/server rebuild 101 template=ubuntu-24.04")
    assert all(s.reply.tone != "error" for s in done.seen), done.text
    assert "ubuntu-24.04" in done.text
    assert cloned(testbot) == [UBUNTU]
    assert testbot.sim.vms[101].status == "running"


def test_help_for_a_misspelled_command_suggests_the_nearest(testbot: TestBot) -> None:
    reply = testbot.send("alice", "/server help rezise")

    assert reply.text == (
        "no command 'rezise' in /server — did you mean /server help resize?; try /server help"
    )
    assert testbot.send("alice", "/server help frobnicate").text == (
        "no command 'frobnicate' in /server; try /server help"
    )
    assert testbot.jobs_created() == 0
