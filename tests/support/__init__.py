"""Test kits: a Redis server of the suite's own, a chat recorder, and the testbot fixture
that runs the whole product as its users live it. Never imported by product code."""
