"""Directory walking and archives: symlink loops, binaries, non-UTF-8, oversized files, debs."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tarfile
import zipfile

import pytest

from codetrans.data.report import SkipReport
from codetrans.data.sources import (
    WalkOptions,
    _ar_members,
    extract_member,
    iter_source_files,
    parse_spec,
    source_name,
)
from codetrans.errors import DataError

PY = 'def add(a, b):\n    """Add two numbers together."""\n    c = a + b\n    return c\n'


def _files(spec: str, **opts):
    report = SkipReport()
    files = list(iter_source_files(parse_spec(spec), WalkOptions(**opts), report))
    return files, report


def test_directory_walk_counts_every_skip(tmp_path):
    root = tmp_path / "proj"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "a.py").write_text(PY)
    (root / "pkg" / "b.go").write_text("package b\n\n// Add adds.\nfunc Add(a, b int) int { return a + b }\n")
    (root / "pkg" / "bin.py").write_bytes(b"\x00\x01\x02binary\x00")
    (root / "pkg" / "latin.py").write_bytes("x = 'caf\xe9'\n".encode("latin-1"))
    (root / "pkg" / "big.py").write_text("x = 1\n" * 500)
    (root / "pkg" / "empty.py").write_text("")
    (root / "pkg" / "app.min.js").write_text("var a=1;")
    (root / "pkg" / "notes.txt").write_text("hello")
    (root / "node_modules" / "dep").mkdir(parents=True)
    (root / "node_modules" / "dep" / "i.js").write_text("function f() {}\n")
    (root / "pkg" / "loop").symlink_to(root)  # a directory loop
    (root / "pkg" / "self").symlink_to(root / "pkg" / "self")  # a link to itself
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text(PY)
    (root / "pkg" / "out").symlink_to(outside)
    (root / "pkg" / "gone.py").symlink_to(root / "nowhere.py")
    (root / "pkg" / "alias.py").symlink_to(root / "pkg" / "a.py")  # inside the tree: followed
    files, report = _files(str(root), max_bytes=1000)
    got = sorted(f.path for f in files)
    assert got == ["pkg/a.py", "pkg/alias.py", "pkg/b.go"]
    assert {f.lang for f in files} == {"python", "go"}
    sk = report.skipped
    assert sk["binary"] == 1 and sk["non_utf8"] == 1 and sk["oversized"] == 1 and sk["empty_file"] == 1
    assert sk["minified"] == 1 and sk["not_source"] == 1 and sk["vendored_or_build_dir"] == 1
    assert sk["symlink_loop"] == 2 and sk["symlink_outside"] == 1 and sk["broken_symlink"] == 1
    assert files[0].source == "proj" and files[0].group == "proj"


def test_gitignore_respected_and_group_by_dir(tmp_path):
    root = tmp_path / "repo"
    (root / "a" / "b").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / ".gitignore").write_text("ignored.py\n")
    (root / "a" / "ignored.py").write_text(PY)
    (root / "a" / "b" / "kept.py").write_text(PY)
    (root / "top.py").write_text(PY)
    files, report = _files(f"{root}::group=dir,name=myrepo")
    assert sorted(f.path for f in files) == ["a/b/kept.py", "top.py"]
    assert report.skipped["gitignored"] == 1
    assert sorted(f.group for f in files) == ["myrepo:", "myrepo:a/b"]


def test_empty_directory_and_bad_specs(tmp_path):
    (tmp_path / "empty").mkdir()
    files, report = _files(str(tmp_path / "empty"))
    assert files == [] and report.skipped["empty_source"] == 1
    with pytest.raises(DataError, match="not found"):
        parse_spec(str(tmp_path / "missing"))
    with pytest.raises(DataError, match="key=value"):
        parse_spec(f"{tmp_path}::lang")


def test_zip_and_tar_archives(tmp_path):
    z = tmp_path / "src.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("java.base/java/util/Foo.java", "class Foo {}\n")
        zf.writestr("java.base/java/util/Bar.java", b"\xff\xfe junk")
        zf.writestr("README", "x")
        link = zipfile.ZipInfo("java.base/link.java")
        link.external_attr = (0o120777 << 16)
        zf.writestr(link, "Foo.java")
    files, report = _files(f"{z}::lang=java,group=dir")
    assert [f.path for f in files] == ["java.base/java/util/Foo.java"]
    assert files[0].group == "src:java.base/java/util"
    assert report.skipped["non_utf8"] == 1 and report.skipped["archive_link"] == 1
    t = tmp_path / "lodash-4.17.21.tgz"
    with tarfile.open(t, "w:gz") as tf:
        for name, data in {"package/lodash.js": b"function f() {}\n", "package/dist/lodash.js": b"x",
                           "package/package.json": b"{}"}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    files, report = _files(str(t))
    assert [f.path for f in files] == ["lodash.js"] and files[0].source == "lodash"
    assert report.skipped["vendored_or_build_dir"] == 1
    bad = tmp_path / "broken.tar.gz"
    bad.write_bytes(b"not a tarball")
    files, report = _files(str(bad))
    assert files == [] and report.skipped["corrupt_archive"] == 1
    assert source_name(tmp_path / "flask-3.0.0-py3-none-any.whl") == "flask"


@pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="dpkg-deb is needed to build the test package")
def test_debian_package(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "DEBIAN").mkdir(parents=True)
    (pkg / "DEBIAN" / "control").write_text(
        "Package: ruby-demo\nVersion: 1.0\nArchitecture: all\nMaintainer: t <t@example.com>\nDescription: d\n")
    lib = pkg / "usr" / "lib" / "ruby" / "vendor_ruby" / "demo"
    lib.mkdir(parents=True)
    (lib / "greet.rb").write_text("# Greets someone by name.\ndef greet(name)\n  puts name\nend\n")
    (pkg / "usr" / "lib" / "ruby" / "vendor_ruby" / "src.zip").write_bytes(b"PK-not-really")
    deb = tmp_path / "ruby-demo_1.0_all.deb"
    subprocess.run(["dpkg-deb", "--root-owner-group", "-Zgzip", "-b", str(pkg), str(deb)], check=True,
                   capture_output=True, env={**os.environ, "SOURCE_DATE_EPOCH": "0"})
    files, report = _files(str(deb))
    assert [f.path for f in files] == ["usr/lib/ruby/vendor_ruby/demo/greet.rb"]
    assert files[0].source == "ruby-demo" and files[0].lang == "ruby"
    # The ar container the no-dpkg fallback reads.
    assert [m for m, _ in _ar_members(deb)][0] == "debian-binary"
    got = extract_member(deb, r"/src\.zip$", tmp_path / "out" / "src.zip")
    assert got is not None and got.read_bytes() == b"PK-not-really"


def test_tree_ignored_by_enclosing_repo_is_walked(tmp_path):
    outer = tmp_path / "tools"
    inner = outer / "versions" / "lib"
    inner.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(outer)], check=True)
    (outer / ".gitignore").write_text("/versions\n")
    (inner / "mod.py").write_text(PY)
    files, report = _files(str(inner))
    assert [f.path for f in files] == ["mod.py"] and not report.skipped.get("gitignored")
