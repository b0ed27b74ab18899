import sys

YELLOW, BOLD = "\033[93m", "\033[1m"


def print_log(message, *styles):
    """Print a styled message to standard error."""
    sys.stderr.write("".join(styles) + message + "\033[0m\n")


def e(message, exit_code=None):
    print_log(message, YELLOW, BOLD)
    if exit_code is not None:
        sys.exit(exit_code)
