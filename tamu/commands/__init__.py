"""Sub-commands of `tamu`, one module per group."""
