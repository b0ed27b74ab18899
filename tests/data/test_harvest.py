"""The harvest recipe's resumability and bad-input handling (no network needed)."""

from __future__ import annotations

import pytest

from codetrans.data.harvest import RECIPE, apt_download, harvest, npm_pack, pip_download, python_stdlib
from codetrans.data.report import SkipReport
from codetrans.errors import DataError


def test_cached_downloads_are_not_fetched_again(tmp_path):
    report = SkipReport()
    (tmp_path / "npm").mkdir()
    (tmp_path / "npm" / "lodash-4.17.21.tgz").write_bytes(b"x")
    (tmp_path / "npm" / "lodash.merge-4.6.2.tgz").write_bytes(b"x")  # another package: not a match
    assert npm_pack(["lodash"], tmp_path / "npm", report) == {"lodash": tmp_path / "npm" / "lodash-4.17.21.tgz"}
    (tmp_path / "pypi").mkdir()
    whl = tmp_path / "pypi" / "PyYAML-6.0.2-cp311-cp311-manylinux_2_17_x86_64.whl"
    whl.write_bytes(b"x")
    assert pip_download(["pyyaml"], tmp_path / "pypi", report) == {"pyyaml": whl}
    (tmp_path / "apt").mkdir()
    deb = tmp_path / "apt" / "ruby-thor_1.2.1-2_all.deb"
    deb.write_bytes(b"x")
    assert apt_download(["ruby-thor"], tmp_path / "apt", report) == {"ruby-thor": deb}
    assert report.total_skipped == 0


def test_unknown_apt_package_is_counted(tmp_path):
    report = SkipReport()
    assert apt_download(["codetrans-no-such-package-xyz"], tmp_path, report) == {}
    assert report.skipped["unavailable"] == 1


def test_recipe_and_errors(tmp_path):
    assert set(RECIPE) == {"python", "java", "go", "ruby", "php", "javascript"}
    assert (python_stdlib() / "os.py").exists()
    with pytest.raises(DataError, match="unknown harvest language"):
        harvest(tmp_path, ["cobol"])
