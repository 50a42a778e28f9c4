"""``python -m pathways``: see pathways.cli."""

import sys

from .cli import main

sys.exit(main())
