"""The one secret filter of the data layer: secret-looking files, diffs and strings.

Used by every path that turns code into training records: the commit walker
(:func:`codetrans.data.git.iter_commits`, so ``data build``, ``data git`` and ``finetune``), the corpus
builder's record generator (:func:`codetrans.data.build.generate`: functions, API sequences, research
files, commits) and the source walker (secret-named files are never read, see
:func:`looks_secret`, read by the walker in :mod:`codetrans.data.sources`).

Policy:

* a commit that touches a secret-looking file (``.env``, ``id_rsa``, ``*.pem`` ...) or whose diff holds
  private-key material is **dropped** (reason ``secret``): nothing in it is worth the risk;
* any other record with a secret in it is kept with the secret **redacted** (replaced by
  :data:`PLACEHOLDER`; reason ``secret_redacted`` counts such records).

What counts as a secret: AWS access key ids and secret keys, GitHub tokens (classic and fine-grained),
Slack tokens and webhooks, Google API keys, Stripe live keys, JSON web tokens, PEM private-key blocks,
and generic assignments of a high-entropy literal to a name such as ``secret``, ``token``, ``password``,
``passwd``, ``api_key``, ``access_key``, ``private_key``, ``client_secret`` or ``auth``.

Why not ``detect-secrets``: its default plugins scanned 0.04 MB/s of Python source here (and flagged
about one line in ten), against 4 MB/s for this module on the same busy core; a corpus build reads
gigabytes. The formats above are the ones its plugins cover for keys that matter in code.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import PurePosixPath

PLACEHOLDER = "REDACTED"

_PRIVATE_KEY = re.compile(
    r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
    r"(?:.*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|.*\Z)", re.S)
#: The PEM private-key header: the data layer's one private-key pattern (also used by the source walker).
PRIVATE_KEY_HEADER = re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")

#: File names that hold secrets: never read into a dataset (counted as ``secret``).
SECRET_NAMES: frozenset[str] = frozenset({
    ".env", ".netrc", "_netrc", ".pgpass", ".htpasswd", ".npmrc", ".pypirc", ".git-credentials",
    "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "id_ecdsa_sk", "id_ed25519_sk",
})
SECRET_SUFFIXES = (".pem", ".key", ".p12", ".pfx", ".jks", ".keystore", ".ppk", ".gpg", ".asc")
_SECRET_FILE = re.compile(r"^(?:\.env\..+|credentials.*\.json|.*secrets?\.(?:json|ya?ml|toml)|"
                          r"id_(?:rsa|dsa|ecdsa|ed25519)(?:_sk)?(?:\.(?!pub$)[^.]+)?)$")
#: Well-known token formats, one alternation (one pass); the group name is the kind.
_TOKENS = re.compile(
    r"\b(?:(?P<aws_access_key_id>(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16})"
    r"|(?P<github_token>gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})"
    r"|(?P<slack_token>xox[abposr]-(?:[A-Za-z0-9]+-){1,4}[A-Za-z0-9]+)"
    r"|(?P<google_api_key>AIza[0-9A-Za-z_\-]{35})"
    r"|(?P<stripe_key>(?:sk|rk)_live_[0-9A-Za-z]{16,})"
    r"|(?P<jwt>eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}))\b"
    r"|(?P<slack_webhook>https://hooks\.slack\.com/services/T[A-Za-z0-9_]+/B[A-Za-z0-9_]+/[A-Za-z0-9_]+)")

_SECRET_NAME = r"(?:secret|token|passw(?:or)?d|passwd|pwd|api_?key|apikey|access_?key|private_?key|auth_?key|" \
               r"client_?secret|credentials?|aws_secret_access_key)"
#: a secret word inside a name, then the rest of the name, an assignment operator (= : := => ->) and
#: a quoted literal or an unquoted value. Searched in two steps (word, then what follows) for speed.
_SECRET_WORD = re.compile(_SECRET_NAME)  # on lower-cased text (5x faster than re.I)
_SECRET_WORD_I = re.compile(_SECRET_NAME, re.I)
_AFTER_WORD = re.compile(
    r"[A-Za-z0-9_.\-]*[\"']?[ \t]*(?:=|:=|:|=>|->)[ \t]*"
    r"(?:(?P<q>[\"'`])(?P<quoted>[^\"'`\s\\]{8,256})(?P=q)|(?P<bare>[A-Za-z0-9/+=_\-.~]{16,256})(?![\w(]))")
_PLACEHOLDER_VALUE = re.compile(r"^(?:x+|\*+|\.+|<.*>|\$\{.*\}|\{\{.*\}\}|%\(.*\)s|(?:change|replace)[_-]?me.*|"
                                r"your[_-].*|example.*|dummy.*|test.*|fake.*|placeholder.*|none|null|redacted|"
                                r"[a-z]+(?:_[a-z]+)*|[A-Z]+(?:_[A-Z]+)*|[a-z]+(?:[A-Z][a-z]*)+|"
                                r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+|https?://.*)$", re.I)


def entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    if not text:
        return 0.0
    counts = Counter(text)
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def _high_entropy(value: str) -> bool:
    if len(value) >= 16 and value.isalpha() and entropy(value) >= 3.5:
        return True  # a long run of letters with no word separators: "abcdefghijklmnop"
    if _PLACEHOLDER_VALUE.match(value):
        return False  # identifiers, env-var names, dotted names, template markers, URLs
    classes = sum(bool(re.search(p, value)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]"))
    if len(value) >= 16:
        return entropy(value) >= 3.0 and classes >= 2
    return entropy(value) >= 2.5 and classes >= 2  # short hard-coded passwords: "hunter42", "s3cr3t!x"


def find_secrets(text: str) -> list[tuple[str, int, int]]:
    """(kind, start, end) of each secret in ``text``, in order, not overlapping."""
    spans: list[tuple[str, int, int]] = []
    for m in _PRIVATE_KEY.finditer(text):
        spans.append(("private_key", m.start(), m.end()))
    for m in _TOKENS.finditer(text):
        spans.append((m.lastgroup or "token", m.start(), m.end()))
    low = text.lower()
    words = _SECRET_WORD.finditer(low) if len(low) == len(text) else _SECRET_WORD_I.finditer(text)
    for w in words:
        m = _AFTER_WORD.match(text, w.end())
        if m is None:
            continue
        group = "quoted" if m.group("quoted") is not None else "bare"
        value = m.group(group)
        if value and _high_entropy(value):
            spans.append(("assignment", m.start(group), m.end(group)))
    spans.sort(key=lambda s: (s[1], -s[2]))
    out: list[tuple[str, int, int]] = []
    for s in spans:
        if out and s[1] < out[-1][2]:
            continue
        out.append(s)
    return out


def redact(text: str) -> tuple[str, int]:
    """``text`` with every secret replaced by :data:`PLACEHOLDER`, and how many were replaced."""
    if not text:
        return text, 0
    spans = find_secrets(text)
    if not spans:
        return text, 0
    parts, last = [], 0
    for _, start, end in spans:
        parts.append(text[last:start])
        parts.append(PLACEHOLDER)
        last = end
    parts.append(text[last:])
    return "".join(parts), len(spans)


def has_private_key(text: str) -> bool:
    return bool(PRIVATE_KEY_HEADER.search(text or ""))


def looks_secret(path: str) -> bool:
    """True for file names that usually hold secrets (``.env``, ``.env.*``, SSH private keys, ``*.pem``,
    ``*.key``, ``*.p12``, ``credentials*.json``, ``.netrc``, ``.pgpass`` ...): such files are never read."""
    name = PurePosixPath(path.replace("\\", "/")).name.lower()
    return name in SECRET_NAMES or name.endswith(SECRET_SUFFIXES) or bool(_SECRET_FILE.match(name))


def looks_like_private_key(data: bytes) -> bool:
    """True when content starts with a PEM private-key header (whatever the file is called)."""
    return bool(PRIVATE_KEY_HEADER.match(data[:200].decode("latin-1").lstrip()))


def secret_path(path: str) -> bool:
    """Secret-looking file names (``.env``, ``id_rsa``, ``*.pem``, ``credentials*.json`` ...)."""
    return looks_secret(path)


def commit_drop_reason(files: list[str], diff: str) -> str | None:
    """Why a commit must not enter a dataset at all (None: keep it, redacted)."""
    secret = next((f for f in files if secret_path(f)), None)
    if secret:
        return f"touches {secret}"
    if has_private_key(diff):
        return "private key in the diff"
    return None


def scrub_record(record: dict, fields: tuple[str, ...] = ("source", "target")) -> int:
    """Redact secrets in ``record``'s text fields in place; returns how many were replaced."""
    total = 0
    for f in fields:
        value = record.get(f)
        if isinstance(value, str) and value:
            new, n = redact(value)
            if n:
                record[f] = new
                total += n
    return total
