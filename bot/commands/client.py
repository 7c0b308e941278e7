"""Client scope (``/server …``): a linked customer on the servers their account owns; admins
may run these on any server without approval."""

from __future__ import annotations

from bot.commands.argtypes import (
    BACKUP,
    CPU,
    DISK,
    JOB_ID,
    MEMORY,
    NOTE,
    SERVER,
    TASK_REF,
    TEMPLATE,
    TOPIC,
    UPID_TYPE,
)
from bot.commands.registry import PAGE_ARG, Arg, Command, Placeholder
from jobs import kinds

VM = Arg("vm", SERVER, "the server: its VMID or its name", required=True, positional=True)
HELP_TOPIC = Arg("command", TOPIC, "a command to explain", positional=True, rest=True)
BACKUP_OF_101 = Placeholder(
    "backup", BACKUP, "/server backup list 101", "a backup id from /server backup list 101"
)


def _backup_arg(help_text: str) -> Arg:
    # The Actions' requests call it volid (Proxmox's word); people see "backup".
    return Arg("backup", BACKUP, help_text, required=True, positional=True, job_key="volid")


def _power(verb: str, summary: str, *, destructive: bool = False) -> Command:
    # The demo fleet's acme-db (102) is stopped and acme-web (101) runs: each example acts.
    server = ("102", "acme-db") if verb == "start" else ("101", "acme-web")
    return Command(
        "server",
        (verb,),
        summary,
        (VM,),
        tuple(f"{verb} {ref}" for ref in server),
        job_kind=kinds.SERVER_POWER,
        fixed_args=(("action", verb),),
        destructive=destructive,
        mutating=True,
    )


COMMANDS: tuple[Command, ...] = (
    Command(
        "server", ("help",), "list commands, or explain one", (HELP_TOPIC,), ("help", "help resize")
    ),
    Command("server", ("list",), "your servers, from the inventory", (PAGE_ARG,), ("list",)),
    Command(
        "server",
        ("status",),
        "live status of a server",
        (VM,),
        ("status 101",),
        job_kind=kinds.SERVER_STATUS,
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
        (
            "resize 101 cpu=4 memory=8G",
            "resize acme-web disk=+20G",
            "resize 101 memory=8G dry-run=yes",
        ),
        job_kind=kinds.SERVER_RESIZE,
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
        job_kind=kinds.SERVER_REBUILD,
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
        job_kind=kinds.SERVER_PASSWORD,
        mutating=True,
    ),
    Command(
        "server",
        ("backup", "list"),
        "backups of a server",
        (VM, PAGE_ARG),
        ("backup list 101",),
        job_kind=kinds.BACKUP_LIST,
    ),
    Command(
        "server",
        ("backup", "create"),
        "take a backup now",
        (VM, Arg("note", NOTE, "a note stored with the backup")),
        ("backup create 101", 'backup create 101 note="before upgrade"'),
        job_kind=kinds.BACKUP_CREATE,
        mutating=True,
    ),
    Command(
        "server",
        ("backup", "restore"),
        "restore a backup over the server: changes since then are lost",
        (VM, _backup_arg("the backup to restore")),
        ("backup restore 101 <backup>",),
        placeholders=(BACKUP_OF_101,),
        job_kind=kinds.BACKUP_RESTORE,
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
                "a request's #reference from a reply, or a Proxmox task id (UPID)",
                required=True,
                positional=True,
                job_key="upid",
            ),
        ),
        ("task <ref>", "task <upid>"),
        placeholders=(
            Placeholder("ref", JOB_ID, "/server reboot 101", "the #reference a reply showed"),
            Placeholder("upid", UPID_TYPE, "/server reboot 101", "the task id a reply showed"),
        ),
        job_kind=kinds.TASK_STATUS,  # for a UPID; a reference is answered from Redis at once
    ),
    Command(
        "server",
        ("backup", "delete"),
        "delete a backup for good",
        (VM, _backup_arg("the backup to delete")),
        ("backup delete 101 <backup>",),
        placeholders=(BACKUP_OF_101,),
        job_kind=kinds.BACKUP_DELETE,
        destructive=True,
        mutating=True,
    ),
)
