"""What each command documents as its success, checked against the simulator's state and
what the requester saw. One entry per command (by its slash name): a command without one
cannot reach 100 % end-to-end coverage."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass

from actions.volumes import backup_time_id
from proxmox.simulator.state import Vm
from tests.support.conversation import Done
from tests.support.testbot import TestBot, identity

_SIZE = re.compile(r"size=(\d+)G")


@dataclass(frozen=True)
class Before:
    """The simulator's servers and backups as they were before the command."""

    vms: dict[int, Vm]
    backups: list[str]

    @classmethod
    def of(cls, bot: TestBot) -> Before:
        return cls(copy.deepcopy(bot.sim.vms), [v.volid for v in bot.sim.backups(101)])


@dataclass(frozen=True)
class Run:
    bot: TestBot
    done: Done
    before: Before

    @property
    def text(self) -> str:
        return self.done.text

    def vm(self, vmid: int) -> Vm:
        return self.bot.sim.vms[vmid]

    def tasks_of(self, vmid: int, task_type: str) -> list[str]:
        return [
            str(t.exitstatus)
            for t in self.bot.sim.tasks.values()
            if t.upid.type == task_type and t.upid.vmid == vmid
        ]

    def account_of(self, user: str) -> str | None:
        return self.bot.handler.stores.identities.account_of(identity(user))


def setting(vm: Vm, key: str) -> object:
    """A value as it will be after the next boot (pending changes included)."""
    return vm.pending.get(key, vm.config.get(key))


def disk_gib(vm: Vm) -> int:
    found = _SIZE.search(str(vm.config["scsi0"]))
    assert found, vm.config["scsi0"]
    return int(found.group(1))


def _tags(vm: Vm) -> set[str]:
    return set(str(vm.config.get("tags", "")).split(";"))


# -- /server -----------------------------------------------------------------------------------
def check_help(run: Run) -> None:
    scope = run.done.line.split()[0]
    assert f"{scope} " in run.text
    assert "<" in run.text


def check_list(run: Run) -> None:
    assert "acme-web" in run.text
    assert "acme-db" in run.text
    assert ("globex-app" in run.text) is (run.done.actor == "boss")


def check_status(run: Run) -> None:
    assert "acme-web" in run.text
    assert "running" in run.text


def check_start(run: Run) -> None:
    assert run.before.vms[102].status == "stopped"
    assert run.vm(102).status == "running"


def check_stopped(run: Run) -> None:
    assert run.before.vms[101].status == "running"
    assert run.vm(101).status == "stopped"


def running_after(task_type: str) -> Callable[[Run], None]:
    def check(run: Run) -> None:
        assert run.tasks_of(101, task_type) == ["OK"]
        assert run.vm(101).status == "running"

    return check


def check_resize(run: Run) -> None:
    vm, old = run.vm(101), run.before.vms[101]
    line = run.done.line
    if "dry-run=yes" in line:
        assert run.bot.writes() == []
        assert "nothing was changed" in run.text
        assert setting(vm, "memory") == setting(old, "memory")
    elif "disk=+20G" in line:
        assert disk_gib(vm) == disk_gib(old) + 20
    else:
        assert int(str(setting(vm, "cores"))) == 4
        assert int(str(setting(vm, "memory"))) == 8192


def check_rebuild(run: Run) -> None:
    vm, old = run.vm(101), run.before.vms[101]
    assert run.tasks_of(101, "qmdestroy") == ["OK"]
    assert vm.config["scsi0"] != old.config["scsi0"]  # a fresh disk from the template
    assert "owner-acme" in _tags(vm)
    assert vm.status == "running"


def check_password(run: Run) -> None:
    old = run.before.vms[101].config["cipassword"]
    assert run.vm(101).config["cipassword"] != old
    secret = [s.reply.code for s in run.done.seen if s.delivered_privately and s.reply.code]
    assert len(secret) == 1
    assert all(secret[0] not in s.text for s in run.done.seen if not s.delivered_privately)


def check_backup_list(run: Run) -> None:
    """Every backup, by the time it was taken (the id chat takes it by), not its volume id."""
    assert run.before.backups
    assert all(f" · id {backup_time_id(volid)}" in run.text for volid in run.before.backups)
    assert all(volid not in run.text for volid in run.before.backups)


def check_backup_create(run: Run) -> None:
    backups = run.bot.sim.backups(101)
    assert len(backups) == len(run.before.backups) + 1
    if "before upgrade" in run.done.line:
        (new,) = [b for b in backups if b.volid not in run.before.backups]
        assert "before upgrade" in str(new.notes)


def _named_backup(run: Run) -> str:
    """The volume id of the backup the line named (by its time, as the list showed it)."""
    named = run.done.line.split()[-1]
    return next(v for v in run.before.backups if named in (v, backup_time_id(v)))


def check_backup_restore(run: Run) -> None:
    volid = _named_backup(run)
    (backup,) = [b for b in run.bot.sim.backups(101) if b.volid == volid]
    assert run.tasks_of(101, "qmrestore") == ["OK"]
    assert backup.config is not None
    for key in ("name", "cores", "memory"):
        assert run.vm(101).config[key] == backup.config[key]
    assert "owner-acme" in _tags(run.vm(101))


def check_backup_delete(run: Run) -> None:
    volid = _named_backup(run)
    assert volid in run.before.backups
    assert volid not in [b.volid for b in run.bot.sim.backups(101)]


def check_task(run: Run) -> None:
    assert ("succeeded" in run.text) if "UPID:" not in run.done.line else ("OK" in run.text)
    assert "reboot" in run.text


# -- /admin ------------------------------------------------------------------------------------
def check_build(run: Run) -> None:
    (new,) = [vm for vmid, vm in run.bot.sim.vms.items() if vmid not in run.before.vms]
    assert "owner-acme" in _tags(new)
    assert new.status == "running"
    assert int(str(new.config["cores"])) == 2
    assert int(str(new.config["memory"])) == 4096
    assert disk_gib(new) == 40


def check_delete(run: Run) -> None:
    assert 101 in run.before.vms
    assert 101 not in run.bot.sim.vms
    assert run.bot.handler.stores.inventory.get(101) is None


def check_approvals(run: Run) -> None:
    assert "no pending approval requests" in run.text


def check_node_list(run: Run) -> None:
    assert all(f"{node}: " in run.text for node in ("pve1", "pve2", "pve3"))


def check_node_status(run: Run) -> None:
    assert "pve1: online" in run.text


def prepare_sync(bot: TestBot) -> None:
    bot.sim.vms[103].config["name"] = "globex-renamed"  # changed outside the bot


def check_sync(run: Run) -> None:
    entry = run.bot.handler.stores.inventory.get(103)
    assert entry is not None
    assert entry.name == "globex-renamed"


def check_invite(run: Run) -> None:
    assert re.search(r"/auth link [0-9a-f]{12}\b", run.text)


def check_link(run: Run) -> None:
    assert run.account_of("mallory") == "acme"


def check_unlink_user(run: Run) -> None:
    assert run.account_of("alice") is None


def check_assign(run: Run) -> None:
    assert "owner-acme" in _tags(run.vm(103))
    assert "owner-globex" not in _tags(run.vm(103))
    entry = run.bot.handler.stores.inventory.get(103)
    assert entry is not None
    assert entry.owner == "acme"


def check_queue(run: Run) -> None:
    if "retry=" in run.done.line:
        assert "queued again" in run.text
        # The job ran again: its (deliberate) failure is reported a second time.
        assert "no node 'pve9'" in run.text
    else:
        assert "queued" in run.text
        assert "failed" in run.text


def check_audit(run: Run) -> None:
    assert "invocation" in run.text or "no audit entries" in run.text
    if run.done.line.strip() == "/admin audit":
        assert "/admin audit" in run.text


# -- /auth -------------------------------------------------------------------------------------
def check_auth_link(run: Run) -> None:
    assert run.account_of(run.done.actor) == "acme"


def check_whoami(run: Run) -> None:
    linked = run.account_of(run.done.actor)
    assert (f"linked to account {linked}" if linked else "not linked") in run.text


def check_auth_unlink(run: Run) -> None:
    assert run.account_of(run.done.actor) is None


CHECKS: dict[str, Callable[[Run], None]] = {
    "/server help": check_help,
    "/server list": check_list,
    "/server status": check_status,
    "/server start": check_start,
    "/server shutdown": check_stopped,
    "/server stop": check_stopped,
    "/server reboot": running_after("qmreboot"),
    "/server reset": running_after("qmreset"),
    "/server resize": check_resize,
    "/server rebuild": check_rebuild,
    "/server password": check_password,
    "/server backup list": check_backup_list,
    "/server backup create": check_backup_create,
    "/server backup restore": check_backup_restore,
    "/server backup delete": check_backup_delete,
    "/server task": check_task,
    "/admin help": check_help,
    "/admin server create": check_build,
    "/admin server delete": check_delete,
    "/admin approvals": check_approvals,
    "/admin node list": check_node_list,
    "/admin node status": check_node_status,
    "/admin sync": check_sync,
    "/admin invite": check_invite,
    "/admin link": check_link,
    "/admin unlink": check_unlink_user,
    "/admin assign": check_assign,
    "/admin queue": check_queue,
    "/admin audit": check_audit,
    "/auth help": check_help,
    "/auth link": check_auth_link,
    "/auth whoami": check_whoami,
    "/auth unlink": check_auth_unlink,
}

PREPARE: dict[str, Callable[[TestBot], None]] = {"/admin sync": prepare_sync}

# A command whose example runs a deliberately failing job again may show that failure.
SHOWS_A_FAILURE = {"/admin queue"}
