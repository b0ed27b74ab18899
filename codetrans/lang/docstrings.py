"""Documentation text -> the first sentence a model should learn to write.

Doc comments arrive with their comment markers, markup (HTML, Javadoc/JSDoc inline tags, reST and
Markdown roles, C# XML) and parameter sections. :func:`summarize_doc` strips all of that and keeps the
first sentence, which is the target of documentation, comment and API-query tasks.
"""

from __future__ import annotations

import html
import inspect
import re

_JAVADOC_LINE = re.compile(r"^\s*\*(?!/) ?", re.M)
_INLINE_TAG = re.compile(r"\{@(?:link|linkplain|code|literal|value|see)\s+([^}]*)\}")
_INLINE_OTHER = re.compile(r"\{@\w+\s*([^}]*)\}")
_XML_REF = re.compile(r"<(?:see|seealso|paramref|typeparamref)\s+\w+\s*=\s*\"([^\"]*)\"\s*/?>")
_TAG = re.compile(r"</?[A-Za-z][\w:-]*(?:\s+[^<>]*?)?/?>")
_RST_ROLE = re.compile(r":(?:[\w-]+:)?[\w-]+:`~?!?([^`<]*?)(?:\s*<[^>]*>)?`")
_BACKTICKS = re.compile(r"`{1,2}([^`]+)`{1,2}")
_EMPHASIS = re.compile(r"(\*{1,2}|_{2})(\S(?:.*?\S)?)\1")
_MD_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_URL = re.compile(r"https?://\S+")
# A line that starts a parameter / return / example section ends the description.
_SECTION = re.compile(
    r"^\s*(?:@\w+|:(?:param|parameter|arg|argument|key|keyword|type|raises?|except|exception|returns?|rtype|yields?)\b"
    r"|(?:Args|Arguments|Parameters|Params|Returns?|Yields?|Raises|Throws|Examples?|Notes?|Usage|Attributes"
    r"|Keyword Arguments|Other Parameters|See Also|Warnings?|Todo|References)\s*:?\s*$|>>>|\.\. \w+::|-{3,}\s*$|={3,}\s*$)"
)
_ABBREV = re.compile(r"\b(?:e\.g|i\.e|etc|vs|cf|approx|resp|incl|no|fig|Mr|Dr|St)\.$", re.I)


def strip_comment_markers(comment: str) -> str:
    """Remove ``/** */``, ``*``, ``//``, ``///`` and ``#`` markers from a raw comment block."""
    text = comment.strip()
    if text.startswith("/*"):
        text = re.sub(r"^/\*+!?", "", text)
        text = re.sub(r"\*+/$", "", text)
        text = _JAVADOC_LINE.sub("", text)
        return inspect.cleandoc(text)
    lines = []
    for line in text.splitlines():
        line = line.strip()
        line = re.sub(r"^(///?|#+|--)!? ?", "", line)
        lines.append(line)
    return "\n".join(lines).strip()


def python_docstring(literal: str) -> str:
    """The text of a Python string literal used as a docstring (prefixes and quotes removed, dedented)."""
    body = literal.lstrip("rRbBuUfF")
    for quote in ('"""', "'''", '"', "'"):
        if body.startswith(quote) and body.endswith(quote) and len(body) >= 2 * len(quote):
            body = body[len(quote):-len(quote)]
            break
    return inspect.cleandoc(body)


def description(doc: str) -> str:
    """The descriptive part of a cleaned doc text: lines before the first parameter/example section."""
    kept = []
    for line in doc.splitlines():
        if _SECTION.match(line):
            break
        kept.append(line)
    return "\n".join(kept).strip()


def clean_markup(text: str) -> str:
    """Drop HTML/XML tags, inline doc tags and reST/Markdown markup, keeping their words."""
    text = _INLINE_TAG.sub(lambda m: _link_label(m.group(1)), text)
    text = _INLINE_OTHER.sub(lambda m: m.group(1), text)
    text = _XML_REF.sub(lambda m: m.group(1).split(":")[-1], text)
    text = _TAG.sub(" ", text)
    text = html.unescape(text)
    text = _RST_ROLE.sub(lambda m: m.group(1), text)
    text = _MD_LINK.sub(lambda m: m.group(1), text)
    text = _BACKTICKS.sub(lambda m: m.group(1), text)
    text = _EMPHASIS.sub(lambda m: m.group(2), text)
    text = _URL.sub("", text)
    return text


def _link_label(ref: str) -> str:
    ref = ref.strip()
    parts = ref.split(None, 1)
    if len(parts) == 2 and "(" not in parts[0][-1:]:
        return parts[1]  # {@link Foo#bar label} -> label
    target = parts[0] if parts else ""
    target = re.sub(r"\(.*\)$", "", target)
    return target.replace("#", ".").lstrip(".")


def first_sentence(text: str) -> str:
    """The first sentence of a paragraph, whitespace collapsed; the whole paragraph if it has no stop."""
    paragraph = re.split(r"\n\s*\n", text.strip(), maxsplit=1)[0]
    flat = " ".join(paragraph.split())
    for match in re.finditer(r"[.!?](?=\s+|$)", flat):
        head = flat[: match.end()]
        if _ABBREV.search(head) or re.search(r"\b[A-Za-z]\.$", head):
            continue  # "e.g." or an initial is not the end of a sentence
        return head
    return flat


def summarize_doc(doc: str) -> str:
    """Full cleaning pipeline for already-unwrapped doc text: description -> markup -> first sentence."""
    text = clean_markup(description(doc))
    sentence = first_sentence(text)
    return sentence.strip(" \t-:")


# Query words: the unknown-word marker whole, then words (identifiers split at dots, kept at _ ' -).
_QUERY_TOKEN = re.compile(r"<unk>|[^\W_]+(?:['_-][^\W_]+)*|_+", re.U)


def normalize_query(sentence: str) -> str:
    """A description as benchmark queries come: lower-cased word tokens joined by spaces.

    Punctuation goes (queries carry none); ``<unk>`` stays one token, so text that already went through
    a vocabulary normalises to itself; any other word, seen before or not, is kept as it is written.
    """
    return " ".join(_QUERY_TOKEN.findall(sentence.lower()))


def api_query(text: str) -> str:
    """What an API-sequence model and its index read for a user's description: its first sentence,
    normalised like the harvested pairs (:func:`normalize_query`); empty when it holds no word."""
    return normalize_query(first_sentence(text))


def doc_tokens(text: str) -> list[str]:
    """Word/punctuation tokens of documentation text (CodeSearchNet's docstring_tokens style)."""
    return re.findall(r"\w+(?:['-]\w+)*|[^\w\s]", text)
