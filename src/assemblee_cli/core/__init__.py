"""The pure core: decision rules over plain data. No git, no clock, no I/O."""
