"""Client scope (``/server …``): a linked customer on the servers their account owns; admins
may run these on any server without approval."""

from __future__ import annotations

from bot.commands.argtypes import (
    BACKUP,
    CPU,
    DISK,
    MEMORY,
    NOTE,
    SERVER,
    TASK_REF,
    TEMPLATE,
    TOPIC,
)
from bot.registry import Arg, Command

VM = Arg("vm", SERVER, "the server: its VMID or its name", required=True, positional=True)
HELP_TOPIC = Arg("command", TOPIC, "a command to explain", positional=True, rest=True)


def _power(verb: str, summary: str, *, destructive: bool = False) -> Command:
    return Command(
        "server",
        (verb,),
        summary,
        (VM,),
        (f"{verb} 101", f"{verb} web1"),
        job_kind="server.power",
        fixed_args=(("action", verb),),
        destructive=destructive,
        mutating=True,
    )


COMMANDS: tuple[Command, ...] = (
    Command(
        "server", ("help",), "list commands, or explain one", (HELP_TOPIC,), ("help", "help resize")
    ),
    Command("server", ("list",), "your servers, from the inventory", (), ("list",)),
    Command(
        "server",
        ("status",),
        "live status of a server",
        (VM,),
        ("status 101",),
        job_kind="server.status",
    ),
    _power("start", "start a stopped server"),
    _power("shutdown", "shut down cleanly (ACPI)"),
    _power("reboot", "reboot cleanly; applies pending CPU/memory changes"),
    _power("stop", "stop at once, like pulling the plug", destructive=True),
    _power("reset", "hard reset, like pressing the reset button", destructive=True),
    Command(
        "server",
        ("resize",),
        "change CPU cores, memory, or grow the disk",
        (
            VM,
            Arg("cpu", CPU, "number of CPU cores", job_key="cores"),
            Arg("memory", MEMORY, "memory size"),
            Arg("disk", DISK, "new disk size, or +SIZE to grow (disks never shrink)"),
        ),
        ("resize 101 cpu=4 memory=8G", "resize web1 disk=+20G", "resize 101 memory=4G dry-run=yes"),
        job_kind="server.resize",
        one_of=("cpu", "memory", "disk"),
        approval=True,
        mutating=True,
    ),
    Command(
        "server",
        ("rebuild",),
        "reinstall from a template: all data on the server is lost",
        (VM, Arg("template", TEMPLATE, "template to install (default: the current one)")),
        ("rebuild 101", "rebuild 101 template=debian-12"),
        job_kind="server.rebuild",
        destructive=True,
        approval=True,
        mutating=True,
    ),
    Command(
        "server",
        ("password",),
        "set a new generated root password (shown only to you)",
        (VM,),
        ("password 101",),
        job_kind="server.password",
        mutating=True,
    ),
    Command(
        "server",
        ("backup", "list"),
        "backups of a server",
        (VM,),
        ("backup list 101",),
        job_kind="backup.list",
    ),
    Command(
        "server",
        ("backup", "create"),
        "take a backup now",
        (VM, Arg("note", NOTE, "a note stored with the backup")),
        ("backup create 101", 'backup create 101 note="before upgrade"'),
        job_kind="backup.create",
        mutating=True,
    ),
    Command(
        "server",
        ("backup", "restore"),
        "restore a backup over the server: changes since then are lost",
        (VM, Arg("backup", BACKUP, "the backup to restore", required=True, positional=True)),
        ("backup restore 101 local:backup/vzdump-qemu-101-2024_05_01-03_00_00.vma.zst",),
        job_kind="backup.restore",
        destructive=True,
        approval=True,
        mutating=True,
    ),
    Command(
        "server",
        ("task",),
        "where a job or a Proxmox task stands: steps, task ids, outcome",
        (
            Arg(
                "task",
                TASK_REF,
                "a job id from a reply, or a Proxmox task id (UPID)",
                required=True,
                positional=True,
                job_key="upid",
            ),
        ),
        (
            "task jh-5f0c2a9e41d34b7f8c6d2e1a0b9c8d7e",
            "task UPID:pve1:0002A1F3:0A1B2C3D:6650A1B2:qmresize:101:jotunheim@pve!sim:",
        ),
        job_kind="task.status",  # for a UPID; a job id is answered from Redis at once
    ),
    Command(
        "server",
        ("backup", "delete"),
        "delete a backup for good",
        (VM, Arg("backup", BACKUP, "the backup to delete", required=True, positional=True)),
        ("backup delete 101 local:backup/vzdump-qemu-101-2024_05_01-03_00_00.vma.zst",),
        job_kind="backup.delete",
        destructive=True,
        mutating=True,
    ),
)
