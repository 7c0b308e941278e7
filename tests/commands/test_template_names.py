"""``template=``: the names Proxmox allows a VM (and so a template) to have, and nothing else.

A template is a VM; the official schema gives a VM's ``name`` the ``dns-name`` format
(labels of letters, digits and inner dashes, joined by dots), so ``ubuntu-24.04`` - the
demo's own template - must be accepted, and whatever the parser accepts must be a name
Proxmox would take."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.commands import build_registry
from bot.commands.argtypes import TEMPLATE
from bot.parser import ParseError, parse
from tests.contract.pve_schema import match, parameter_spec
from tests.contract.pve_values import check_value

REGISTRY = build_registry()
REBUILD_USAGE = "/server rebuild <vm> [template=NAME] [dry-run=yes|no]"
EXPECTED = "expected a template name (letters, digits, . and -)"
LABEL = "a" * 63


def vm_name_spec() -> dict[str, Any]:
    """The schema's ``name`` of a clone: what Proxmox checks a VM name against."""
    found = match("POST", "/nodes/pve1/qemu/9000/clone")
    assert found is not None
    spec = parameter_spec(found[0], "name")
    assert spec is not None
    assert spec["format"] == "dns-name"
    return spec


@pytest.mark.parametrize(
    "name",
    ["ubuntu-24.04", "debian-12", "Debian-12", "9000", "a", "tpl.example.com", LABEL,
     ".".join([LABEL] * 3 + ["a" * 61])],
)  # fmt: skip
def test_names_proxmox_allows_are_accepted_as_typed(name: str) -> None:
    line = f"server create acme template={name} cpu=2 memory=4G disk=40G"
    parsed = parse(REGISTRY, "admin", line)
    assert parsed.get("template") == name  # case kept: the worker matches the exact name
    assert check_value("name", vm_name_spec(), name) == []


@pytest.mark.parametrize(
    "name",
    ["../../etc", "-debian", "debian-", "ubuntu..24", ".ubuntu", "ubuntu.", "ubuntu-24.04;rm",
     "ubüntu", "a" * 64, ".".join([LABEL] * 4), "ubuntu/24.04", "x,y"],
)  # fmt: skip
def test_anything_else_is_refused_naming_the_argument(name: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse(REGISTRY, "server", f"rebuild 101 template={name}")
    shown = repr(name if len(name) <= 40 else name[:40] + "…")
    assert str(caught.value) == f"template: {EXPECTED}; got {shown}\nusage: {REBUILD_USAGE}"


def test_an_underscore_is_refused_with_the_dashed_name_suggested() -> None:
    with pytest.raises(ParseError) as caught:
        parse(REGISTRY, "server", "rebuild 101 template=debian_12")
    assert str(caught.value) == (
        f"template: {EXPECTED}; got 'debian_12': a Proxmox VM name has no _ — did you mean "
        f"debian-12?\nusage: {REBUILD_USAGE}"
    )


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=30) | st.from_regex(
    r"[A-Za-z0-9._-]{1,30}", fullmatch=True
))  # fmt: skip
def test_whatever_is_accepted_is_a_name_proxmox_takes(text: str) -> None:
    try:
        value = TEMPLATE.parse(text)
    except ValueError:
        return
    assert value == text
    assert check_value("name", vm_name_spec(), value) == []


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9-]{0,20}[A-Za-z0-9])?", fullmatch=True),
             min_size=1, max_size=4)
)  # fmt: skip
def test_every_dns_name_within_dns_lengths_is_accepted(labels: list[str]) -> None:
    name = ".".join(labels)
    assert check_value("name", vm_name_spec(), name) == []
    assert TEMPLATE.parse(name) == name
