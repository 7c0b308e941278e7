from __future__ import annotations

import pytest

from actions.sizes import (
    GIB,
    MIB,
    DiskSize,
    SizeError,
    human_bytes,
    human_duration,
    parse_disk_size,
    parse_memory_mib,
    pve_size,
)


@pytest.mark.parametrize(
    ("text", "mib"),
    [
        ("512M", 512),
        ("8G", 8192),
        ("8GiB", 8192),
        ("8gb", 8192),
        ("8192", 8192),
        (2048, 2048),
        ("1.5G", 1536),
        ("1T", 1024 * 1024),
        (" 4 GiB ", 4096),
    ],
)
def test_memory_sizes_parse_to_mib(text: str | int, mib: int) -> None:
    assert parse_memory_mib(text) == mib


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("abc", "memory: expected a size like 512M, 8G, 8GiB or 8192 (MiB), got 'abc'"),
        ("", "memory: expected a size like 512M, 8G, 8GiB or 8192 (MiB), got ''"),
        ("0", "memory: must be more than 0, got '0'"),
        ("0G", "memory: must be more than 0, got '0G'"),
        ("-2G", "memory: must be more than 0, got '-2G'"),
        ("+2G", "memory: expected an absolute size"),
        ("1.5", "memory: must be a whole number of MiB, got '1.5'"),
        ("8X", "memory: expected a size like"),
    ],
)
def test_bad_memory_names_the_argument_and_what_was_expected(text: str, message: str) -> None:
    with pytest.raises(SizeError) as caught:
        parse_memory_mib(text)
    assert str(caught.value).startswith(message)


def test_disk_sizes_are_absolute_or_relative() -> None:
    assert parse_disk_size("50G") == DiskSize(bytes=50 * GIB, relative=False)
    assert parse_disk_size("+20G") == DiskSize(bytes=20 * GIB, relative=True)
    assert parse_disk_size("+512M") == DiskSize(bytes=512 * MIB, relative=True)
    assert parse_disk_size("1TiB").bytes == 1024 * GIB


def test_relative_disk_size_becomes_absolute_from_the_current_size() -> None:
    assert parse_disk_size("+20G").target(32 * GIB) == 52 * GIB
    assert parse_disk_size("50G").target(32 * GIB) == 50 * GIB


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("50", "disk: needs a unit (M, G or T), e.g. 50G or +20G, got '50'"),
        ("0G", "disk: must be more than 0, got '0G'"),
        ("+0G", "disk: must be more than 0, got '+0G'"),
        ("-5G", "disk: disks can only grow"),
        ("big", "disk: expected a size like 50G (absolute) or +20G (grow by), got 'big'"),
        ("1.3K", "disk: must be a whole number of MiB"),
    ],
)
def test_bad_disk_sizes_are_refused(text: str, message: str) -> None:
    with pytest.raises(SizeError) as caught:
        parse_disk_size(text, argument="disk")
    assert str(caught.value).startswith(message)


def test_pve_and_human_renderings() -> None:
    assert pve_size(52 * GIB) == "52G"
    assert pve_size(1536 * MIB) == "1536M"
    assert pve_size(1024 * GIB) == "1T"
    assert human_bytes(32 * GIB) == "32 GiB"
    assert human_bytes(1536 * MIB) == "1.5 GiB"
    assert human_bytes(0) == "0 B"
    # One duration format, for uptime and for how long a request took alike.
    assert human_duration(3 * 86400 + 4 * 3600 + 5) == "3 d 4 h"
    assert human_duration(125) == "2 min 5 s"
    assert human_duration(119) == "119 s"
    assert human_duration(6 * 3600) == "6 h"
    assert human_duration(3600 + 5 * 60 + 9) == "1 h 5 min"
    assert human_duration(-3) == "0 s"
