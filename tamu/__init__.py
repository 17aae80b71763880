"""The entry point: the `tamu` command wires config, storage, vision and web together."""
