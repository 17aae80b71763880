"""`python -m tamu`."""

from tamu.cli import main

main()
