"""`codetrans export MODEL --to ct2`: convert a model for CTranslate2 (fast CPU inference).

`codetrans export` writes the export beside the model, ``MODEL/ct2-<quantization>/`` (CTranslate2's
``model.bin``, ``config.json`` and vocabulary, plus the tokenizer as ``tokenizer.json`` and
``codetrans_export.json``). At run time (``backend="auto"|"ct2"``) an export is only *read* there: a
missing, stale or corrupt one is made under ``$CODETRANS_HOME/exports`` instead, so nothing under a model
directory is ever written by serving. An export is current while the content (SHA-256) of the files it
was made from is unchanged — not their mtimes, which a git checkout or a copy resets — and is intact
while its own files match the hashes recorded when it was made. It is written to a temporary directory
and renamed into place, so a crash or a concurrent export never leaves a half-written one behind.
Conversion runs offline on the local directory.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from codetrans.errors import CodeTransError
from codetrans.fs import WEIGHT_FILES, check_model_dir, staged
from codetrans.serving.ct2 import CT2_QUANTIZATIONS, DEFAULT_CT2_QUANTIZATION, METADATA

logger = logging.getLogger(__name__)

FORMAT = 1


def export_path(model_dir: str | os.PathLike, quantization: str = DEFAULT_CT2_QUANTIZATION,
                root: str | os.PathLike | None = None) -> Path:
    """``MODEL/ct2-<q>`` by default; under ``root`` (a cache the caller owns, e.g. the demo's under
    ``$CODETRANS_HOME``) ``root/<name>-<hash of the model path>/ct2-<q>``, so the model folder stays untouched."""
    if root is None:
        return Path(model_dir) / f"ct2-{quantization}"
    import hashlib

    resolved = Path(model_dir).resolve()
    key = hashlib.sha1(str(resolved).encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return Path(root) / f"{resolved.name}-{key}" / f"ct2-{quantization}"


#: The files an export is made from.
SOURCE_FILES = ("config.json", *WEIGHT_FILES, "tokenizer.json", "spiece.model")
_HASHES: dict[tuple, str] = {}  # (path, size, mtime, ctime, inode) -> sha256: each file hashed once per process


def fingerprint(model_dir: str | os.PathLike) -> list[list[Any]]:
    """Names, sizes and mtimes of the files an export is made from (recorded for information; freshness
    is decided by :func:`content_hashes`)."""
    model_dir = Path(model_dir)
    out = []
    for name in SOURCE_FILES:
        p = model_dir / name
        if p.is_file():
            st = p.stat()
            out.append([name, st.st_size, st.st_mtime_ns])
    return out


def file_sha256(path: str | os.PathLike) -> str:
    """SHA-256 of a file, memoised while its inode, size, mtime and ctime are unchanged (a write or a
    ``touch -d`` changes the ctime, which no copy or checkout can set back)."""
    import hashlib

    st = os.stat(path)
    key = (os.path.abspath(path), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
    if key not in _HASHES:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        _HASHES[key] = h.hexdigest()
    return _HASHES[key]


def content_hashes(model_dir: str | os.PathLike) -> dict[str, str]:
    """SHA-256 of the files an export is made from (~0.05 s for the shipped model, once per process)."""
    model_dir = Path(model_dir)
    return {name: file_sha256(model_dir / name) for name in SOURCE_FILES if (model_dir / name).is_file()}


def export_files(export_dir: str | os.PathLike) -> dict[str, list[Any]]:
    """[size, SHA-256] of each file of an export but its metadata: recorded at export time, checked on reuse."""
    export_dir = Path(export_dir)
    return {p.name: [p.stat().st_size, file_sha256(p)] for p in sorted(export_dir.iterdir())
            if p.is_file() and p.name != METADATA}


def cached_export(model_dir: str | os.PathLike, quantization: str = DEFAULT_CT2_QUANTIZATION,
                  root: str | os.PathLike | None = None) -> Path | None:
    """The existing, current and intact export of ``model_dir`` with these weights, or None. Read-only:
    the content hashes of the model's files must equal those recorded at export time, and the export's
    own files the sizes and hashes it recorded (exports made before those were recorded: their sizes are
    not known, a damaged one is caught when it is loaded)."""
    path = export_path(model_dir, quantization, root)
    try:
        meta = json.loads((path / METADATA).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT or meta.get("quantization") != quantization:
        return None
    if not all((path / f).is_file() for f in ("model.bin", "tokenizer.json")) or not meta.get("sha256"):
        return None
    try:
        if content_hashes(model_dir) != meta["sha256"]:
            return None
        recorded = meta.get("files")
        if isinstance(recorded, dict) and recorded != export_files(path):
            logger.warning("the CTranslate2 export %s no longer matches the files it was written with (damaged?); "
                           "not using it", path)
            return None
    except OSError:
        return None
    return path


def default_root(model_dir: str | os.PathLike) -> Path | None:
    """Where a new export goes when the caller names no root: beside the model (None) in the user's own
    folders; ``$CODETRANS_HOME/exports`` for a model inside the installed package (never written to:
    uninstalling would leave the export behind; the shipped model comes with its int8 export) or in a
    read-only folder."""
    from codetrans.serving import zoo

    if zoo.is_shipped(model_dir) or not os.access(model_dir, os.W_OK):
        return zoo.home() / "exports"
    return None


def export_ct2(model: str | os.PathLike, quantization: str = DEFAULT_CT2_QUANTIZATION,
               force: bool = False, root: str | os.PathLike | None = None) -> Path:
    """Convert ``model``, a model directory (an id is resolved by the caller: :func:`codetrans.serving.zoo.resolve`,
    once), for CTranslate2; returns the export directory.

    An up-to-date export is reused unless ``force``. ``root``: keep the export in this cache directory
    instead of beside the model (see :func:`export_path`); default :func:`default_root`.
    """
    if quantization not in CT2_QUANTIZATIONS:
        raise CodeTransError(f"unknown quantization {quantization!r}; choose from {', '.join(CT2_QUANTIZATIONS)}")
    model_dir = Path(model)
    check_model_dir(model_dir, weights=True)
    if root is None:
        root = default_root(model_dir)
    if not force:  # a current export in ``root`` first (a rebuilt one), then beside the model (shipped ones)
        for where in dict.fromkeys([root, None]):
            cached = cached_export(model_dir, quantization, where)
            if cached is not None:
                return cached
    try:
        import ctranslate2
    except ImportError:
        raise CodeTransError("exporting needs CTranslate2: pip install 'codetrans[fast]'") from None
    final = export_path(model_dir, quantization, root)
    if root is not None:
        final.parent.mkdir(parents=True, exist_ok=True)
    if not os.access(final.parent, os.W_OK):
        raise CodeTransError(f"cannot write the export in {final.parent}: it is read-only")
    with staged(final, keep_concurrent=True) as tmp:  # a concurrent export of the same model: keep theirs
        _convert(model_dir, tmp, quantization, ctranslate2)
    return final


def _convert(model_dir: Path, out: Path, quantization: str, ctranslate2: Any) -> None:
    import logging

    from transformers import AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    logging.getLogger("ctranslate2").setLevel(logging.ERROR)
    try:
        tok = AutoTokenizer.from_pretrained(str(model_dir))
    except Exception as exc:  # broken/unknown tokenizer files: say which model, not a traceback
        raise CodeTransError(f"cannot load the tokenizer of {model_dir}: {exc}") from None
    backend = getattr(tok, "backend_tokenizer", None)
    if backend is None:
        raise CodeTransError(f"the tokenizer of {model_dir} has no tokenizers (fast) form; the ct2 backend needs one")
    prints = fingerprint(model_dir)  # before converting: a model rewritten meanwhile is not marked fresh
    hashes = content_hashes(model_dir)
    try:
        converter = ctranslate2.converters.TransformersConverter(str(model_dir), low_cpu_mem_usage=True)
        converter.convert(str(out), quantization=quantization, force=True)
    except Exception as exc:  # unsupported architectures and the like
        raise CodeTransError(f"CTranslate2 cannot convert {model_dir}: {exc}") from None
    backend.save(str(out / "tokenizer.json"))
    limit = getattr(tok, "model_max_length", None)
    meta = {
        "format": FORMAT, "quantization": quantization, "source": str(model_dir), "fingerprint": prints,
        "sha256": hashes, "ctranslate2": ctranslate2.__version__,
        "special_ids": sorted(int(i) for i in tok.all_special_ids),
        "model_max_length": int(limit) if limit and limit < 100_000 else 512,
        "clean_up_tokenization_spaces": bool(getattr(tok, "clean_up_tokenization_spaces", False)),
        "eos_token_id": tok.eos_token_id,
        "generation": _generation_defaults(model_dir),
    }
    meta["files"] = export_files(out)  # a damaged export is then noticed before it is loaded
    (out / METADATA).write_text(json.dumps(meta, indent=1))


def _generation_defaults(model_dir: Path) -> dict[str, Any]:
    """The decoding defaults of the model's generation_config.json that ``generate`` would apply."""
    try:
        config = json.loads((model_dir / "generation_config.json").read_text())
    except (OSError, ValueError):
        return {}
    keys = ("num_beams", "repetition_penalty", "no_repeat_ngram_size", "length_penalty")
    return {k: config[k] for k in keys if config.get(k) is not None}
