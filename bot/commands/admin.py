"""Admin scope (``/admin …``): configured admin identities only."""

from __future__ import annotations

from bot.commands.argtypes import (
    ACCOUNT,
    AUDIT_FILTER,
    CPU,
    DISK_SIZE,
    JOB_ID,
    MEMORY,
    NEW_NAME,
    NODE,
    SERVER,
    TEMPLATE,
    TOPIC,
    USER,
)
from bot.commands.registry import PAGE_ARG, Arg, Command, Placeholder
from jobs import kinds

VM = Arg("vm", SERVER, "the server: its VMID or its name", required=True, positional=True)
ACCOUNT_ARG = Arg("account", ACCOUNT, "the customer account", required=True, positional=True)
# On Slack an @mention, on Discord a member picker; both reach the parser as the user's id.
USER_ARG = Arg("user", USER, "the chat user, in this workspace", required=True, positional=True)

COMMANDS: tuple[Command, ...] = (
    Command(
        "admin",
        ("help",),
        "list admin commands, or explain one",
        (Arg("command", TOPIC, "a command to explain", positional=True, rest=True),),
        ("help", "help server create"),
    ),
    Command(
        "admin",
        ("server", "create"),
        "build a new server for an account from a template",
        (
            ACCOUNT_ARG,
            Arg("template", TEMPLATE, "template to clone", required=True),
            Arg("cpu", CPU, "number of CPU cores", required=True, job_key="cores"),
            Arg("memory", MEMORY, "memory size", required=True),
            Arg("disk", DISK_SIZE, "disk size", required=True),
            Arg("node", NODE, "node to build on (default: chosen by the worker)"),
            Arg("name", NEW_NAME, "server name (default: generated)"),
        ),
        ("server create acme template=debian-12 cpu=2 memory=4G disk=40G",),
        job_kind=kinds.SERVER_BUILD,
        mutating=True,
    ),
    Command(
        "admin",
        ("server", "delete"),
        "destroy a server and its disks",
        (VM,),
        ("server delete 101",),
        job_kind=kinds.SERVER_DELETE,
        destructive=True,
        mutating=True,
    ),
    Command("admin", ("approvals",), "pending approval requests", (PAGE_ARG,), ("approvals",)),
    Command(
        "admin",
        ("node", "list"),
        "nodes and server counts from the inventory",
        (PAGE_ARG,),
        ("node list",),
    ),
    Command(
        "admin",
        ("node", "status"),
        "live status of the nodes",
        (Arg("node", NODE, "one node (default: all)", positional=True),),
        ("node status", "node status pve1"),
        job_kind=kinds.NODE_STATUS,
    ),
    Command(
        "admin",
        ("sync",),
        "refresh the inventory cache from Proxmox",
        (),
        ("sync",),
        job_kind=kinds.NODE_SYNC,
    ),
    Command(
        "admin",
        ("invite",),
        "make a one-time link code for an account",
        (ACCOUNT_ARG,),
        ("invite acme",),
    ),
    Command(
        "admin",
        ("link",),
        "link a chat user to an account",
        (USER_ARG, ACCOUNT_ARG),
        ("link mallory acme",),
    ),
    Command("admin", ("unlink",), "remove a chat user's link", (USER_ARG,), ("unlink alice",)),
    Command(
        "admin",
        ("assign",),
        "give a server to an account (sets its owner tag)",
        (VM, ACCOUNT_ARG),
        ("assign 103 acme",),
        job_kind=kinds.SERVER_ASSIGN,
        mutating=True,
    ),
    Command(
        "admin",
        ("queue",),
        "queue depth, chains in progress and failed jobs; retry=JOB puts a failed job back",
        (
            Arg("retry", JOB_ID, "a failed job to put back on its queue (from /admin queue)"),
            PAGE_ARG,
        ),
        ("queue", "queue retry=<job>"),
        placeholders=(
            Placeholder(
                "job",
                JOB_ID,
                # A build on a node that does not exist fails in the worker: a failed job.
                "/admin server create acme template=debian-12 cpu=1 memory=1G disk=10G node=pve9",
                "a failed job's id from /admin queue",
            ),
        ),
    ),
    Command(
        "admin",
        ("audit",),
        "recent audit entries, for a server or a user",
        (Arg("filter", AUDIT_FILTER, "a VMID, account or user key", positional=True), PAGE_ARG),
        ("audit", "audit 101", "audit acme"),
    ),
)
