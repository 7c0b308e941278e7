"""Backup operations: the Action behind each backup kind, built from the worker context."""

from __future__ import annotations

from collections.abc import Mapping

from actions.backup.create import BackupCreateAction
from actions.backup.delete import BackupDeleteAction
from actions.backup.listing import BackupListAction
from actions.backup.restore import RestoreAction
from jobs import kinds
from jobs.context import ActionFactory, plain

ACTIONS: Mapping[str, ActionFactory] = {
    kinds.BACKUP_CREATE.name: plain(BackupCreateAction),
    kinds.BACKUP_RESTORE.name: plain(RestoreAction),
    kinds.BACKUP_DELETE.name: plain(BackupDeleteAction),
    kinds.BACKUP_LIST.name: plain(BackupListAction),
}
