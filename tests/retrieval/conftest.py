import pytest


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch):
    """Every test gets its own $CODETRANS_HOME: cache files never leak between tests or into ~."""
    monkeypatch.setenv("CODETRANS_HOME", str(tmp_path / "codetrans-home"))
