# Tests here build pools too: each gets its own $CODETRANS_HOME, as in tests/retrieval.
from retrieval.conftest import _own_cache  # noqa: F401
