"""The shape comparison itself, on the real captures."""

from __future__ import annotations

import copy

from tests.contract.shapes import overlap, shape_of, shape_problems
from tests.proxmox.captures import data_of


def test_a_capture_matches_its_own_shape() -> None:
    resources = data_of("cluster-resources-4node")
    assert shape_problems(resources, shape_of(resources)) == []


def test_numbers_sent_as_numbers_where_servers_send_strings_are_caught() -> None:
    assert shape_problems(100, shape_of(data_of("cluster-nextid"))) == [
        "data: number 100 where real servers send ['string']"
    ]


def test_either_seen_kind_is_accepted_across_captures() -> None:
    shape = shape_of(data_of("qemu-config-pve6.2"), data_of("qemu-config-pve9"))
    assert shape_problems({"memory": "2048", "cores": 2}, shape) == []
    assert shape_problems({"memory": 2048}, shape) == []
    assert shape_problems({"cores": "2"}, shape) == [
        "data.cores: string '2' where real servers send ['number']"
    ]


def test_nested_list_items_are_compared() -> None:
    tasks = data_of("tasks-list-node-pve6.4")
    broken = copy.deepcopy(tasks)
    broken[1]["pid"] = "10717"
    assert shape_problems(broken, shape_of(tasks)) == [
        "data[1].pid: string '10717' where real servers send ['number']"
    ]
    assert "upid" in overlap(broken, shape_of(tasks))
