"""End to end, as people use it: every command through the testbot."""
