"""A rerunnable recipe that gathers real source corpora from the package registries reachable here.

``codetrans data harvest --out DIR [--langs python java ...]`` collects, per documentation language:

- python: the standard library on disk (``sysconfig`` stdlib dir), plus pure-Python wheels from PyPI
  (``pip download --no-deps --only-binary :all:``; wheels are zip archives of the source);
- java: the JDK sources, ``apt-get download openjdk-17-source`` (its ``src.zip``);
- go: the Go standard library (``golang-1.19-src``) and ``golang-*-dev`` source packages;
- ruby: the Ruby standard library (``libruby3.1``) and ``ruby-*`` library packages;
- php: ``php-*`` library packages (Symfony components, Monolog, Twig, Guzzle...);
- javascript: npm packages (``npm pack NAME``).

Downloads land in ``DIR/cache/{apt,npm,pypi}``; what is already there is not fetched again, so an
interrupted harvest resumes. Nothing is extracted here: the archives are read in place by
:mod:`codetrans.data.sources`. The result is ``DIR/sources.txt``, one source spec per line
(``PATH::lang=go,group=dir``), ready for ``codetrans data build @DIR/sources.txt --out CORPUS``.
Packages a registry does not have are counted (``unavailable``) and the harvest goes on. Projects
reserved for independent evaluation (:mod:`codetrans.data.reserved`) are refused by name before any
download and reported as ``reserved``.
"""

from __future__ import annotations

import glob
import json
import logging
import re
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

from codetrans.data.report import SkipReport
from codetrans.data.reserved import ECOSYSTEMS, reserved
from codetrans.errors import DataError

logger = logging.getLogger(__name__)

# Curated, stable lists: well-documented libraries, few generated files. "@stdlib" entries group
# their files by directory (= language package) so one big tree does not land in a single split.
RECIPE: dict[str, dict[str, list[str]]] = {
    "python": {
        "pypi": ["requests", "flask", "itsdangerous", "jinja2", "werkzeug", "attrs", "rich", "httpx", "django",
                 "sympy", "networkx", "boto3", "botocore", "pyyaml", "packaging", "setuptools", "docutils",
                 "sphinx", "pygments", "babel", "aiohttp", "tornado", "twisted", "scrapy", "marshmallow"],
    },
    "java": {"apt@stdlib": ["openjdk-17-source"]},
    "go": {
        "apt@stdlib": ["golang-1.19-src"],
        "apt": ["golang-github-spf13-cast-dev", "golang-golang-x-net-dev", "golang-golang-x-text-dev",
                "golang-golang-x-sys-dev", "golang-golang-x-tools-dev", "golang-golang-x-crypto-dev",
                "golang-github-stretchr-testify-dev", "golang-github-sirupsen-logrus-dev",
                "golang-github-gorilla-mux-dev", "golang-github-gorilla-websocket-dev",
                "golang-github-prometheus-client-golang-dev", "golang-github-spf13-viper-dev",
                "golang-github-spf13-pflag-dev", "golang-github-urfave-cli-dev", "golang-github-google-go-cmp-dev",
                "golang-gopkg-yaml.v3-dev", "golang-github-pelletier-go-toml-dev", "golang-google-grpc-dev",
                "golang-github-hashicorp-go-multierror-dev", "golang-github-hashicorp-hcl-dev",
                "golang-github-miekg-dns-dev", "golang-github-gin-gonic-gin-dev",
                "golang-github-go-sql-driver-mysql-dev", "golang-github-lib-pq-dev",
                "golang-github-mattn-go-sqlite3-dev", "golang-github-docker-docker-dev",
                "golang-github-klauspost-compress-dev", "golang-github-pkg-errors-dev",
                "golang-go.uber-zap-dev", "golang-github-gogo-protobuf-dev"],
    },
    "ruby": {
        "apt@stdlib": ["libruby3.1"],
        "apt": ["ruby-rack", "ruby-sinatra", "ruby-thor", "ruby-i18n", "ruby-rspec-core", "ruby-rspec-expectations",
                "ruby-rspec-mocks", "ruby-activesupport", "ruby-activerecord", "ruby-actionpack",
                "ruby-actionview", "ruby-activemodel", "ruby-nokogiri", "ruby-faraday", "ruby-mime-types",
                "ruby-rouge", "ruby-kramdown", "ruby-redcarpet", "ruby-addressable", "ruby-sequel",
                "ruby-concurrent", "ruby-httparty", "ruby-mustermann", "ruby-tzinfo", "ruby-rubocop-ast",
                "ruby-parser", "ruby-unicode-display-width", "ruby-rainbow", "ruby-rake", "ruby-minitest",
                "ruby-test-unit", "ruby-coderay", "ruby-slop", "ruby-puma", "ruby-webrick", "ruby-net-ssh"],
    },
    "php": {
        "apt": ["php-symfony-console", "php-symfony-http-foundation", "php-symfony-http-kernel",
                "php-symfony-routing", "php-symfony-yaml", "php-symfony-finder", "php-symfony-process",
                "php-symfony-filesystem", "php-symfony-event-dispatcher", "php-symfony-dependency-injection",
                "php-symfony-validator", "php-symfony-serializer", "php-symfony-cache", "php-symfony-form",
                "php-symfony-security-core", "php-symfony-translation", "php-symfony-options-resolver",
                "php-symfony-string", "php-symfony-mime", "php-symfony-mailer", "php-symfony-config",
                "php-symfony-var-dumper", "php-symfony-property-access", "php-monolog", "php-twig",
                "php-guzzlehttp-psr7", "php-guzzlehttp-guzzle", "php-league-commonmark",
                "php-doctrine-dbal", "php-doctrine-orm", "php-doctrine-collections", "php-doctrine-lexer",
                "php-doctrine-inflector", "php-phpseclib3", "php-nikic-php-parser", "php-composer-semver",
                "php-seld-jsonlint", "php-sabre-dav", "php-sabre-vobject", "php-phpdocumentor-reflection-docblock",
                "php-nesbot-carbon", "php-horde-util", "php-tcpdf", "php-getid3", "php-htmlpurifier", "php-ramsey-uuid", "php-psr-log"],
    },
    "javascript": {
        "npm": ["lodash", "underscore", "async", "moment", "express", "commander", "yargs", "bluebird",
                "q", "request", "chai", "sinon", "ws", "semver", "debug", "body-parser", "qs",
                "handlebars", "marked", "esprima", "webpack", "eslint", "mocha", "jsdom", "joi",
                "sequelize", "socket.io", "node-fetch", "axios", "ramda", "luxon", "dayjs", "validator",
                "ajv", "js-yaml", "uglify-js", "less", "pug", "ejs", "koa", "superagent", "chalk",
                "jquery", "backbone", "three", "knex", "typeorm", "graphql", "pino", "winston",
                "restify", "node-forge", "escodegen", "estraverse", "jshint", "nunjucks", "mathjs",
                "jszip", "xml2js", "sax", "grunt", "connect", "morgan", "serve-static", "send", "mime"],
    },
}
LANGS: tuple[str, ...] = tuple(RECIPE)


@dataclass
class HarvestResult:
    out: Path
    sources: list[dict] = field(default_factory=list)  # {"lang", "kind", "name", "path", "spec"}
    report: SkipReport = field(default_factory=lambda: SkipReport("harvest"))

    @property
    def sources_file(self) -> Path:
        return self.out / "sources.txt"


def _run(cmd: list[str], cwd: Path | None = None, timeout: int = 1800) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError as exc:
        raise DataError(f"{cmd[0]} is not installed (needed by the harvest)") from exc
    except subprocess.TimeoutExpired as exc:
        raise DataError(f"{' '.join(cmd[:3])} ... timed out after {timeout} s") from exc


def _say(msg: str) -> None:
    logger.info("[harvest] %s", msg)


def python_stdlib() -> Path:
    """The standard library directory of the running interpreter (``/usr/lib/python3.X`` or the
    ``lib/python3.X`` of ``sys.prefix``)."""
    return Path(sysconfig.get_paths()["stdlib"])


def apt_download(names: list[str], cache: Path, report: SkipReport) -> dict[str, Path]:
    """``apt-get download`` each package not yet in ``cache``; {name: .deb path}. A package with no
    apt candidate is counted as ``unavailable``; a failed download as ``download_failed``."""
    cache.mkdir(parents=True, exist_ok=True)

    def have(n: str) -> Path | None:
        found = sorted(glob.glob(str(cache / f"{glob.escape(n)}_*.deb")))
        return Path(found[-1]) if found else None

    missing = [n for n in names if have(n) is None]
    unavailable: set[str] = set()
    if missing:
        policy = _run(["apt-cache", "policy", *missing]).stdout
        available = set()
        for block in re.split(r"\n(?=\S)", policy):
            m = re.match(r"(\S+):\n", block + "\n")
            cand = re.search(r"Candidate:\s*(\S+)", block)
            if m and cand and cand.group(1) != "(none)":
                available.add(m.group(1))
        for n in missing:
            if n not in available:
                unavailable.add(n)
                report.skip("unavailable", f"apt:{n}")
        todo = [n for n in missing if n in available]
        if todo:
            _say(f"apt-get download {len(todo)} packages -> {cache}")
            proc = _run(["apt-get", "download", *todo], cwd=cache)
            if proc.returncode != 0:  # one bad name fails the batch: retry one at a time
                for n in todo:
                    if have(n) is None:
                        _run(["apt-get", "download", n], cwd=cache)
    out = {}
    for n in names:
        p = have(n)
        if p is not None:
            out[n] = p
        elif n not in unavailable:
            report.skip("download_failed", f"apt:{n}")
    return out


def npm_pack(names: list[str], cache: Path, report: SkipReport) -> dict[str, Path]:
    """``npm pack NAME`` each package not yet in ``cache``; {name: .tgz path}."""
    cache.mkdir(parents=True, exist_ok=True)

    def have(n: str) -> Path | None:
        stem = n.lstrip("@").replace("/", "-")
        found = [f for f in sorted(cache.glob(f"{stem}-*.tgz")) if re.fullmatch(
            re.escape(stem) + r"-\d[^/]*\.tgz", f.name)]
        return found[-1] if found else None

    for n in names:
        if have(n) is not None:
            continue
        _say(f"npm pack {n}")
        proc = _run(["npm", "pack", n, "--pack-destination", str(cache), "--silent"], timeout=600)
        if proc.returncode != 0:
            report.skip("download_failed", f"npm:{n}: {proc.stderr.strip().splitlines()[-1:]}")
    return {n: p for n in names if (p := have(n)) is not None}


def pip_download(names: list[str], cache: Path, report: SkipReport) -> dict[str, Path]:
    """Pure-Python wheels (zip archives of the source) via ``pip download --no-deps``."""
    cache.mkdir(parents=True, exist_ok=True)

    def have(n: str) -> Path | None:
        norm = re.sub(r"[-_.]+", "_", n).lower()
        found = [f for f in sorted(cache.glob("*.whl")) if f.name.lower().startswith(norm + "-")]
        return found[-1] if found else None

    for n in names:
        if have(n) is not None:
            continue
        _say(f"pip download {n}")
        proc = _run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
                     "--disable-pip-version-check", "-q", "-d", str(cache), n], timeout=600)
        if proc.returncode != 0:
            report.skip("download_failed", f"pypi:{n}")
    return {n: p for n in names if (p := have(n)) is not None}


def refuse_reserved(kind: str, names: list[str], report: SkipReport) -> list[str]:
    """``names`` less the projects reserved for evaluation, each refused one counted as ``reserved``."""
    res = reserved()
    kept = []
    for n in names:
        if res.package(n):
            report.skip("reserved", f"{ECOSYSTEMS.get(kind, kind)}:{n}")
            _say(f"refused {kind}:{n}: reserved for independent evaluation")
        else:
            kept.append(n)
    return kept


def harvest(out: str | Path, langs: list[str] | tuple[str, ...] | None = None,
            recipe: dict[str, dict[str, list[str]]] | None = None) -> HarvestResult:
    """Run the recipe (default :data:`RECIPE`) for ``langs`` (default: all six) into ``out``; write
    ``out/sources.txt`` and ``out/harvest.json``; return what was gathered. Safe to rerun: finished
    downloads are kept."""
    out = Path(out)
    recipe_all = RECIPE if recipe is None else recipe
    langs = list(langs or recipe_all)
    unknown = [lang for lang in langs if lang not in recipe_all]
    if unknown:
        raise DataError(f"unknown harvest language(s) {', '.join(unknown)}; choose from {', '.join(recipe_all)}")
    out.mkdir(parents=True, exist_ok=True)
    res = HarvestResult(out)
    cache = out / "cache"

    def add(lang: str, kind: str, name: str, path: Path, group: str = "source") -> None:
        spec = f"{path}::lang={lang},name={name}" + (",group=dir" if group == "dir" else "")
        res.sources.append({"lang": lang, "kind": kind, "name": name, "path": str(path), "spec": spec})
        res.report.keep()

    for lang in langs:
        lang_recipe = recipe_all[lang]
        if lang == "python":
            add("python", "dir", "python-stdlib", python_stdlib(), group="dir")
        for kind, names in lang_recipe.items():
            group = "dir" if kind.endswith("@stdlib") else "source"
            base = kind.split("@")[0]
            names = refuse_reserved(base, names, res.report)
            if base == "apt":
                got = apt_download(names, cache / "apt", res.report)
            elif base == "npm":
                got = npm_pack(names, cache / "npm", res.report)
            elif base == "pypi":
                got = pip_download(names, cache / "pypi", res.report)
            else:  # pragma: no cover - recipe typo
                raise DataError(f"unknown harvest kind {kind!r}")
            for name, path in got.items():
                if name.startswith("openjdk-") and name.endswith("-source"):
                    # The JDK sources ship as lib/src.zip inside the .deb: lift it out once.
                    from codetrans.data.sources import extract_member

                    zpath = extract_member(path, r"/src\.zip$", cache / "jdk" / f"{name}-src.zip")
                    if zpath is None:
                        res.report.skip("no_src_zip", str(path))
                        continue
                    path = zpath
                add(lang, base, name, path, group)
        _say(f"{lang}: {sum(s['lang'] == lang for s in res.sources)} sources")
    from codetrans.safeio import safe_write

    safe_write(res.sources_file, "".join(s["spec"] + "\n" for s in res.sources))
    safe_write(out / "harvest.json", json.dumps({"sources": res.sources, "report": res.report.to_dict()}, indent=1))
    return res
