"""`python -m tessera ...`: the `tessera` command (see `tessera.cli`)."""
import sys

from .cli import main

sys.exit(main())
