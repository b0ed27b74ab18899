import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the synthetic data helper beside the tests


@pytest.fixture(scope="session")
def synthetic_data(tmp_path_factory) -> str:
    """A DatasetDict directory (train/validation/test) with a documentation and a commit sub-task."""
    import synthetic

    return synthetic.save(tmp_path_factory.mktemp("data") / "dd")
