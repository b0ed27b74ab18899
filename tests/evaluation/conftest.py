import pytest


@pytest.fixture(scope="session")
def synthetic_data(tmp_path_factory) -> str:
    """A DatasetDict directory (train/validation/test) with a documentation and a commit sub-task."""
    import synthetic  # tests/synthetic.py: on the path by pytest's `pythonpath` setting

    return synthetic.save(tmp_path_factory.mktemp("data") / "dd")
