"""``python -m codetrans.cli``: the ``codetrans`` command (the git hook calls it this way)."""

import sys

from codetrans.cli import main

sys.exit(main())
