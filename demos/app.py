"""The CodeTrans web demo: `python demos/app.py --model DIR [--host H] [--port N]` (same as `codetrans demo`)."""

import sys

from codetrans.cli import main

if __name__ == "__main__":
    sys.exit(main(["demo", *sys.argv[1:]]))
