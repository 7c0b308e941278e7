from __future__ import annotations

import pytest
from pydantic import SecretStr

from actions.base import ActionError
from actions.config import ActionsConfig, resolve_template
from actions.passwords import ALPHABET, generate_password
from actions.volumes import backup_of, parse_backup_volid
from proxmox.models import ClusterResource


def test_generated_passwords_are_secret_long_and_mixed() -> None:
    seen = set()
    for _ in range(50):
        password = generate_password()
        assert isinstance(password, SecretStr)
        value = password.get_secret_value()
        assert value not in repr(password)
        assert value not in str(password)
        assert len(value) == 20
        assert set(value) <= set(ALPHABET)
        assert any(c.isdigit() for c in value)
        assert any(c.islower() for c in value)
        assert any(c.isupper() for c in value)
        seen.add(value)
    assert len(seen) == 50


def test_too_short_password_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 12"):
        generate_password(8)


def _templates() -> list[ClusterResource]:
    return [
        ClusterResource(
            id="qemu/9000", type="qemu", node="pve1", vmid=9000, name="debian-12", template=True
        ),
        ClusterResource(
            id="qemu/9001", type="qemu", node="pve2", vmid=9001, name="ubuntu-24.04", template=True
        ),
        ClusterResource(id="qemu/101", type="qemu", node="pve1", vmid=101, name="web1"),
    ]


def test_templates_resolve_by_name_with_default() -> None:
    config = ActionsConfig()
    assert resolve_template(config, None, _templates()).vmid == 9000
    assert resolve_template(config, "ubuntu-24.04", _templates()).node == "pve2"


def test_missing_template_lists_what_exists() -> None:
    with pytest.raises(ActionError) as caught:
        resolve_template(ActionsConfig(), "arch", _templates())
    assert str(caught.value) == (
        "template: no template VM named 'arch' (available: debian-12, ubuntu-24.04)"
    )
    # A non-template VM of that name is not a template.
    with pytest.raises(ActionError, match="no template VM named 'web1'"):
        resolve_template(ActionsConfig(), "web1", _templates())


def test_template_not_offered_is_refused() -> None:
    config = ActionsConfig(templates=("debian-12",))
    with pytest.raises(
        ActionError, match=r"'ubuntu-24\.04' is not offered; choose one of debian-12"
    ):
        resolve_template(config, "ubuntu-24.04", _templates())


def test_owner_tag_and_owner_of() -> None:
    config = ActionsConfig()
    assert config.owner_tag("acme") == "owner-acme"
    assert config.owner_of(["prod", "owner-acme"]) == "acme"
    assert config.owner_of(["owner-"]) is None
    with pytest.raises(ActionError, match="account"):
        config.owner_tag("Bad Name")


@pytest.mark.parametrize(
    ("volid", "vmid"),
    [
        ("backup:backup/vzdump-qemu-101-2026_11_26-08_00_00.vma.zst", 101),
        ("local:backup/vzdump-qemu-16110-2020_03_30-21_11_40.vma.gz", 16110),
        ("datastore:backup/vm/931/2023-12-14T04:34:34Z", 931),
    ],
)
def test_backup_volids_name_their_vm(volid: str, vmid: int) -> None:
    assert parse_backup_volid(volid).vmid == vmid


@pytest.mark.parametrize(
    "volid",
    [
        "backup:backup/../images/101/vm-101-disk-0.raw",
        "backup:backup/vzdump-qemu-101-2026_11_26-08_00_00.vma.zst/../../x",
        "backup:backup/vzdump-lxc-101-2026_11_26-08_00_00.tar.zst",
        "backup:backup/vm/101/../102/2023-12-14T04:34:34Z",
        "backup:vzdump-qemu-101-2026_11_26-08_00_00.vma.zst",
        "/var/lib/vz/dump/vzdump-qemu-101-2026_11_26-08_00_00.vma.zst",
        "../backup:backup/vzdump-qemu-101-2026_11_26-08_00_00.vma.zst",
        "local-lvm:vm-101-disk-0",
    ],
)
def test_anything_else_is_refused(volid: str) -> None:
    with pytest.raises(ActionError, match="is not a VM backup id"):
        parse_backup_volid(volid)


def test_backup_of_another_vm_or_storage_is_refused() -> None:
    volid = "backup:backup/vzdump-qemu-102-2026_11_26-08_00_00.vma.zst"
    with pytest.raises(ActionError) as caught:
        backup_of(volid, 101, ("backup",))
    assert str(caught.value) == f"backup: {volid} belongs to another server, not to server 101"
    with pytest.raises(ActionError, match="storage 'local' is not a backup storage here"):
        backup_of("local:backup/vzdump-qemu-101-2026_11_26-08_00_00.vma.zst", 101, ("backup",))
