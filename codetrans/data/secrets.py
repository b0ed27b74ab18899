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

What counts as a secret (:func:`find_secrets`):

* every format of the maintained detector ``detect-secrets`` that names a credential (its regex plugins:
  AWS, Azure storage, URL userinfo, GitHub, GitLab, Slack, Stripe, JWT, npm, PyPI, SendGrid, Twilio,
  OpenAI, Discord, Telegram, Square, Mailchimp, IBM, Cloudant, SoftLayer, Artifactory, private keys),
  run in-process on the whole text: no subprocess, no network, no baseline. Left out: its public-IP plugin
  (an address is no credential) and its keyword and entropy plugins (about one line in ten of ordinary
  source flagged, and 100x slower; the assignment rule below does their job);
* the project's own patterns for what it misses: whole PEM/SSH2/PuTTY private-key blocks (it sees the
  header only), URLs with an empty user (``redis://:pw@host``), ``Authorization: Bearer/Basic/token``
  values, connection-string fields (``Password=...;``, ``AccountKey=`` of any length, ``SharedAccessKey=``),
  Google API keys, fine-grained GitHub tokens, ``.env``-style ``NAME_PASSWORD=value`` lines with short
  values, "password is hunter2" prose, and a high-entropy literal assigned to a name such as ``secret``,
  ``token``, ``password``, ``api_key``, ``access_key``, ``private_key``, ``client_secret`` or ``auth``.

Recall and false positives are measured by ``benchmarks/secrets.py`` (a fixture of credential forms,
real docstrings of the training corpus).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from functools import lru_cache
from pathlib import PurePosixPath
from typing import Any

PLACEHOLDER = "REDACTED"

_PRIVATE_KEY = re.compile(
    r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
    r"(?:.*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|.*\Z)"
    r"|---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----(?:.*?---- END SSH2 ENCRYPTED PRIVATE KEY ----|.*\Z)"
    r"|PuTTY-User-Key-File-\d+:.*?(?:Private-MAC: *\S+|\Z)", re.S)
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

# ---------------------------------------------------------------------- detect-secrets, in-process
#: detect-secrets plugins not used (see the module docstring).
_UNUSED_PLUGINS = frozenset({"IPPublicDetector"})
#: The kind reported for some plugins (the names the rest of the project and its tests use).
_PLUGIN_KIND = {"AWSKeyDetector": "aws_access_key_id", "GitHubTokenDetector": "github_token",
                "SlackDetector": "slack_token", "PrivateKeyDetector": "private_key", "JwtTokenDetector": "jwt",
                "StripeDetector": "stripe_key", "BasicAuthDetector": "url_password"}
_TRIM = " \t\r\n\"'=:,"  # what some plugins' patterns take around a token (Artifactory's (?:\s|=|:|"))


@lru_cache(maxsize=1)
def _plugins() -> tuple[tuple[str, Any, tuple[re.Pattern, ...]], ...]:
    """(kind, plugin, its patterns) of every regex plugin of detect-secrets used here (imported once, lazily:
    ``import codetrans`` stays cheap)."""
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.plugins.base import RegexBasedDetector

    out = []
    for cls in sorted(get_mapping_from_secret_type_to_class().values(), key=lambda c: c.__name__):
        if not issubclass(cls, RegexBasedDetector) or cls.__name__ in _UNUSED_PLUGINS:
            continue
        plugin = cls()
        kind = _PLUGIN_KIND.get(cls.__name__) or re.sub(r"\W+", "_", cls.secret_type.lower()).strip("_")
        out.append((kind, plugin, tuple(plugin.denylist)))
    return tuple(out)


#: Plugins whose every pattern needs a value of 24+ characters of [A-Za-z0-9_-] on one line: run only on the
#: lines that have such a run. Their patterns start with look-behinds or classes, which ``re`` tries at every
#: position: over all text they took half the filter's time; on those lines they find the same.
_LONG_VALUE_PLUGINS = frozenset({"CloudantDetector", "DiscordBotTokenDetector", "IbmCloudIamDetector",
                                 "IbmCosHmacDetector", "MailchimpDetector", "SoftlayerDetector",
                                 "TelegramBotTokenDetector", "TwilioKeyDetector"})
#: Plugins whose patterns start with one character of context and then a literal: found by the literal,
#: then matched from the character before it (same matches, a fraction of the time).
_ANCHORED = {"ArtifactoryDetector": re.compile(r"AKC|AP[\dABCDEF]")}
_LONG_RUN = re.compile(r"[A-Za-z0-9_\-]{24,}")
_NAME_EQ = re.compile(r"[A-Za-z_]+=")  # Azure's pattern takes "AccountKey=": the value is what follows


def _long_lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line holding a run of 24+ token characters."""
    out: list[tuple[int, int]] = []
    for m in _LONG_RUN.finditer(text):
        if out and m.start() < out[-1][1]:
            continue
        end = text.find("\n", m.end())
        out.append((text.rfind("\n", 0, m.start()) + 1, len(text) if end < 0 else end))
    return out


def _plugin_spans(text: str) -> list[tuple[str, int, int]]:
    from detect_secrets.plugins.base import RegexBasedDetector

    spans = []
    lines: list[tuple[int, int]] | None = None
    for kind, plugin, patterns in _plugins():
        checks = type(plugin).analyze_string is not RegexBasedDetector.analyze_string  # e.g. JWT: decodable
        ranges = [(0, len(text))]
        if type(plugin).__name__ in _LONG_VALUE_PLUGINS:
            lines = _long_lines(text) if lines is None else lines
            ranges = lines
        anchor = _ANCHORED.get(type(plugin).__name__)
        for rx in patterns:
            if anchor is not None:
                found = (rx.match(text, max(0, a.start() - 1)) for a in anchor.finditer(text))
                matches = iter({m.start(): m for m in found if m}.values())
            else:
                matches = (m for start, end in ranges for m in rx.finditer(text, start, end))
            for m in matches:
                if checks and not any(True for _ in plugin.analyze_string(m.group(0))):
                    continue
                # the value is a capture group that does not start the match (URL password, AWS secret
                # key); a group that starts it is a prefix (``ghp``): then the whole match, trimmed
                groups = [i for i in range(1, (rx.groups or 0) + 1)
                          if m.group(i) and m.start(i) > m.start() and len(m.group(i)) >= 1]
                if groups:
                    i = max(groups, key=lambda g: m.end(g) - m.start(g))
                    start, end = m.start(i), m.end(i)
                else:
                    start, end = m.start(), m.end()
                    while start < end and text[start] in _TRIM:
                        start += 1
                    while end > start and text[end - 1] in _TRIM:
                        end -= 1
                    name = _NAME_EQ.match(text, start, end)
                    if name:
                        start = name.end()
                if end > start and not _TEMPLATE.match(text[start:end]):
                    spans.append((kind, start, end))
    return spans


# ------------------------------------------------------------------------------- own patterns
#: Well-known token formats detect-secrets misses, one alternation (one pass); the group name is the kind.
_TOKENS = re.compile(
    r"(?:(?P<google_api_key>AIza[0-9A-Za-z_\-]{35})"
    r"|(?P<github_token>github_pat_[A-Za-z0-9_]{22,255}|gh[pousr]_[A-Za-z0-9]{37,255})"
    r"|(?P<aws_access_key_id>(?:AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[0-9A-Z]{16})"
    r"|(?P<stripe_key>(?:sk|rk)_live_[0-9a-zA-Z]{16,})"
    r"|(?P<slack_token>xox[abposr]-(?:[A-Za-z0-9]+-){1,4}[A-Za-z0-9]+))\b")
#: Values: a span inside each match (group ``v``). Written in lower case and searched in the lower-cased
#: text (a literal start lets ``re`` skip ahead; re.I or a leading \b would try every position: the word
#: boundary before a match is checked in code, see :func:`_starts_word`), re.I only as a fallback.
_OWN_PATTERNS = [
    # a URL whose userinfo has an empty user (redis://:pw@host) or a password with characters the
    # detector's pattern refuses
    ("url_password", r"://[^\s:/?#@\"'<>]*:(?P<v>[^\s/?#@\"'<>]+)@[\w.\-\[\]]", 0),
    # HTTP authorization values: "Authorization: Bearer <token>", "-H 'Authorization: token ...'"
    ("bearer_token", r"(?:bearer|basic|digest)[ \t]+(?P<v>[a-z0-9\-._~+/]{16,}=*)(?![\w\-.~+/=])", 0),
    ("authorization", r"authorization[\"']?\s*[:=]\s*[\"']?(?:(?:bearer|basic|token|digest|jwt|key)[ \t]+)?"
                      r"(?P<v>[a-z0-9\-._~+/]{16,}=*)", 0),
    # connection-string fields: Server=...;User Id=sa;Password=hunter2; AccountKey=...; SharedAccessKey=...
    # (group k: the field name, which must start the text or follow one of ;&?, a quote or a space)
    ("connection_string", r"(?P<k>password|pwd|accountkey|sharedaccesskey|sharedaccesssignature|sig)"
                          r"[ \t]*=[ \t]*(?P<v>[^;&\s\"'()\[\]{}<>]{4,})(?=[;&]|[\s\"']|$)", 0),
    # .env / shell / YAML lines: NAME_WITH_A_SECRET_WORD=value (short values too: "DB_PASSWORD=hunter2")
    ("env_assignment", r"^[ \t]*(?:export[ \t]+|-[ \t]+)?[a-z0-9_]*(?:password|passwd|pass|pwd|secret|token|"
                       r"api_?key|access_?key|private_?key|auth|credentials?)[a-z0-9_]*[ \t]*[=:][ \t]*(?P<q>[\"']?)"
                       r"(?P<v>[a-z0-9/+=_\-.~!@$%^&*?]{6,256})(?P=q)[ \t]*(?:#.*)?$", re.M),
    # prose: "password is hunter2", "log in as root with password hunter2", "the password for root: s3cret!"
    ("prose_password", r"(?:password|passwd|passphrase|pass ?word)\b(?:[ \t]+(?:for|of)[ \t]+\S+)?"
                       r"(?:[ \t]+(?:is|was|will be|would be|set to|=|:)|[ \t]*[:=])?[ \t]*(?P<q>[\"'`]?)"
                       r"(?P<v>[^\s\"'`,;()\[\]{}<>]{3,63}[^\s\"'`,;()\[\]{}<>.:!?])(?P=q)(?=[\s.,;:)!?\"'`]|$)", 0),
]
_WORD_START = frozenset({"bearer_token", "authorization", "prose_password"})


def _starts_word(text: str, i: int) -> bool:
    """A word boundary before ``text[i]`` (a word character there): the leading \b of a pattern, in code."""
    return i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")


_FIELD_START = frozenset(";&?\"' \t\r\n")
_OWN = [(kind, re.compile(rx, flags), re.compile(rx, flags | re.I)) for kind, rx, flags in _OWN_PATTERNS]

_SECRET_NAME = r"(?:secret|token|passw(?:or)?d|passwd|pwd|api[_-]?key|apikey|access_?key|private_?key|auth_?key|" \
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
                                # camelCase case-sensitively: under re.I the nested quantifier backtracks exponentially on long values
                                r"[a-z]+(?:_[a-z]+)*|[A-Z]+(?:_[A-Z]+)*|(?-i:[a-z]+(?:[A-Z][a-z]*)+)|"
                                r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)+|https?://.*)$", re.I)
#: template markers and masks, never a value: <password>, ${PW}, {{ secret }}, %(pw)s, %s, $PW, ****, xxxx
_TEMPLATE = re.compile(r"^(?:<.*>|\$\{.*\}|\$\(.*\)|\{.*\}|%\(.*\)s|%s|\$[A-Za-z_]\w*|[xX*.]+|\*.*|REDACTED)$")
_PUNCT = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
_WORDY = re.compile(r"^[A-Za-z]+(?:[-_][A-Za-z]+)*[.!?]?$")  # a word or a hyphenated phrase: prose, not a secret


def _credential_like(value: str) -> bool:
    """A value for the own patterns (prose, .env lines, connection strings, bearer tokens): not a template,
    identifier, dotted name, URL or plain word; a number of 6+ digits (a PIN) or letters with a digit or symbol."""
    if _TEMPLATE.match(value) or _PLACEHOLDER_VALUE.match(value) or _WORDY.match(value.strip(_PUNCT)):
        return False  # "anonymous@" is a word with a sign
    if value.isdigit():
        return len(value) >= 6
    # letters and a digit ("hunter2"), or letters and signs in a longer value ("pa$$word!"; not "and/or")
    return any(c.isalpha() for c in value) and (any(c.isdigit() for c in value)
                                                 or (len(value) >= 8 and not value.isalpha()))


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
    """(kind, start, end) of each secret in ``text``, in order, not overlapping (the longest wins a tie)."""
    spans: list[tuple[str, int, int]] = []
    for m in _PRIVATE_KEY.finditer(text):
        spans.append(("private_key", m.start(), m.end()))
    spans.extend(_plugin_spans(text))
    for m in _TOKENS.finditer(text):
        if not _starts_word(text, m.start()):
            continue
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
    same = len(low) == len(text)  # lower() keeps positions (it does not for a few letters, e.g. "İ")
    for kind, rx, rx_i in _OWN:
        for m in (rx.finditer(low) if same else rx_i.finditer(text)):
            if "k" in rx.groupindex and m.start() and text[m.start() - 1] not in _FIELD_START:
                continue
            if kind in _WORD_START and not _starts_word(text, m.start()):
                continue
            if _credential_like(m.group("v")):
                spans.append((kind, m.start("v"), m.end("v")))
    spans.sort(key=lambda s: (s[1], -s[2]))  # stable: on the same span the kind found first is kept
    out: list[tuple[str, int, int]] = []
    for s in spans:
        if out and s[1] < out[-1][2]:
            if s[2] > out[-1][2]:  # overlapping, reaching further: one span covers both
                out[-1] = (out[-1][0], out[-1][1], s[2])
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
