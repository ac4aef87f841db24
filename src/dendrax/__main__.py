"""``python -m dendrax``: the ``dendrax`` command line (see `dendrax.cli`)."""

import sys

from .cli import main

sys.exit(main())
