"""BLEU as the code-summarisation literature computes it.

Two variants, because the field uses two and their numbers are not interchangeable:

* :func:`smoothed_bleu` — the sentence-level, smoothed BLEU-4 of the CodeSearchNet / CodeXGLUE
  code-to-text evaluator (a MOSES ``bleu.py`` derivative), which CodeTrans, CodeBERT and CodeT5
  report for documentation generation, summarisation, comment and API generation. Each item is
  scored on its own and the scores are averaged (0-100). Text is lower-cased and re-tokenised:
  first into runs of word characters and single punctuation marks, then by the NIST mteval-v11a
  rules (which also split ``_``, so ``get_name`` counts as three tokens). Unigram precision is not
  smoothed; higher orders get +1 on numerator and denominator. The brevity penalty uses the
  shortest reference and +1 on both lengths: ``min(0, 1 - (r + 1) / (c + 1))`` in log space.
* :func:`corpus_bleu` — corpus-level BLEU-4 with the semantics of Moses ``multi-bleu.perl`` (the
  commit-message literature's metric, NNGen included): tokens are the whitespace-separated words of
  the already tokenised text, n-gram counts are clipped by the maximum count over references and
  summed over the corpus, the reference length is the closest reference (ties: the shorter), and
  there is no smoothing: one empty n-gram order gives 0. sacreBLEU with ``tokenize="none"`` and
  ``smooth_method="none"`` computes the same number (tests/metrics prove it on a corpus).

Documented scoring of bad input (both variants): an empty prediction scores 0 (the CodeXGLUE script
would give it ``exp(-len(ref))`` from its +1 length smoothing; pass ``empty_scores_zero=False`` to
reproduce that); mismatched lengths, an empty corpus and an empty reference list raise
:class:`codetrans.errors.CodeTransError`; ``bytes`` are decoded as UTF-8 with replacement.
"""

from __future__ import annotations

import math
import re
import sys
import xml.sax.saxutils
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from codetrans.metrics._inputs import check_pairs

_TINY = sys.float_info.min  # the evaluator adds this inside every log to survive log(0)

# Stage 1 of the CodeXGLUE evaluator: word runs and single non-space punctuation marks.
_WORDS_OR_PUNCT = re.compile(r"\w+|[^\w\s]")
# Stage 2: NIST mteval-v11a normalisation. Punctuation that is always split off (the ASCII
# symbols except apostrophe, hyphen, period and comma; note that it includes the underscore).
_ALWAYS_SPLIT = re.compile(r"""([!"#$%&()*+/:;<=>?@\[\\\]^_`{|}~ ])""")
_PERIOD_COMMA_AFTER = re.compile(r"([^0-9])([.,])")  # split . and , unless preceded by a digit
_PERIOD_COMMA_BEFORE = re.compile(r"([.,])([^0-9])")  # ... unless followed by a digit
_DASH_AFTER_DIGIT = re.compile(r"([0-9])(-)")


def codexglue_tokens(text: str) -> list[str]:
    """Tokens the CodeXGLUE smoothed-BLEU evaluator scores for ``text`` (lower-cased)."""
    s = " ".join(_WORDS_OR_PUNCT.findall(text.strip().lower()))
    # mteval's language-independent part. After the split above these cannot match any more
    # (no newlines, '<skipped>' and entities are split apart); kept so the pipeline is the same.
    s = s.replace("<skipped>", "").replace("-\n", "").replace("\n", " ")
    s = xml.sax.saxutils.unescape(s, {"&quot;": '"'})
    s = f" {s} ".lower()
    s = _ALWAYS_SPLIT.sub(r" \1 ", s)
    s = _PERIOD_COMMA_AFTER.sub(r"\1 \2 ", s)
    s = _PERIOD_COMMA_BEFORE.sub(r" \1 \2", s)
    s = _DASH_AFTER_DIGIT.sub(r"\1 \2 ", s)
    return s.split()


def _ngram_counts(tokens: Sequence[str], max_order: int = 4) -> Counter:
    counts: Counter = Counter()
    for n in range(1, max_order + 1):
        for i in range(len(tokens) - n + 1):
            counts[tuple(tokens[i:i + n])] += 1
    return counts


def _max_ref_counts(refs: list[list[str]], max_order: int = 4) -> Counter:
    best: Counter = Counter()
    for ref in refs:
        for gram, c in _ngram_counts(ref, max_order).items():
            if c > best[gram]:
                best[gram] = c
    return best


def _smoothed_sentence(hyp: list[str], refs: list[list[str]], max_order: int = 4) -> float:
    """One item's smoothed BLEU in [0, 1], computed in the evaluator's order of operations."""
    ref_max = _max_ref_counts(refs, max_order)
    correct = [0] * max_order
    for gram, c in _ngram_counts(hyp, max_order).items():
        correct[len(gram) - 1] += min(ref_max.get(gram, 0), c)
    guess = [max(len(hyp) - k, 0) for k in range(max_order)]
    log_bleu = 0.0
    for k in range(max_order):
        add = 1 if k > 0 else 0  # +1 smoothing for n > 1 only
        log_bleu += math.log(correct[k] + add + _TINY) - math.log(guess[k] + add + _TINY)
    log_bleu /= float(max_order)
    ref_len = min(len(r) for r in refs)  # "shortest" effective reference length
    log_bleu += min(0, 1 - float(ref_len + 1) / (len(hyp) + 1))
    return math.exp(log_bleu)


def sentence_smoothed_bleu(hypothesis: str | bytes, references: str | bytes | Sequence[str | bytes],
                           *, empty_scores_zero: bool = True) -> float:
    """Smoothed BLEU-4 (0-100) of one hypothesis against one or several references."""
    hyps, refs = check_pairs([hypothesis], [references])
    return smoothed_bleu_items(hyps, refs, empty_scores_zero=empty_scores_zero)[0]


def smoothed_bleu_items(hypotheses: Sequence, references: Sequence, *,
                        empty_scores_zero: bool = True) -> list[float]:
    """Per-item smoothed BLEU-4 scores (0-100), aligned with ``hypotheses``."""
    hyps, refs = check_pairs(hypotheses, references)
    out = []
    for hyp, group in zip(hyps, refs):
        if empty_scores_zero and not hyp.strip():
            out.append(0.0)
            continue
        out.append(100.0 * _smoothed_sentence(codexglue_tokens(hyp), [codexglue_tokens(r) for r in group]))
    return out


def smoothed_bleu(hypotheses: Sequence, references: Sequence, *, empty_scores_zero: bool = True) -> float:
    """CodeXGLUE code-to-text smoothed BLEU-4: per-item scores averaged, 0-100.

    ``references[i]`` is a string or a list of strings (multi-reference: n-gram counts are clipped
    by the maximum over references; the brevity penalty uses the shortest reference).
    """
    hyps, refs = check_pairs(hypotheses, references)
    total = 0.0
    for hyp, group in zip(hyps, refs):
        if empty_scores_zero and not hyp.strip():
            continue
        total += _smoothed_sentence(codexglue_tokens(hyp), [codexglue_tokens(r) for r in group])
    # The evaluator sums the [0, 1] scores and scales once: keep that order for identical floats.
    return total * 100.0 / len(hyps)


# --------------------------------------------------------------------------- multi-bleu.perl

_PERL_SPACE = re.compile(r"[ \t\n\r\f\v]+")  # Perl's \s on byte strings: ASCII whitespace only


def perl_split(text: str) -> list[str]:
    """Perl's ``split`` with no pattern: ASCII-whitespace-separated words, leading space ignored."""
    return [t for t in _PERL_SPACE.split(text) if t]


@dataclass(frozen=True)
class BleuStats:
    """A corpus BLEU result with the figures multi-bleu.perl prints (score and precisions 0-100)."""

    score: float
    precisions: tuple[float, ...]
    brevity_penalty: float
    ratio: float
    hyp_len: int
    ref_len: int

    def as_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        p = "/".join(f"{x:.1f}" for x in self.precisions)
        return (f"BLEU = {self.score:.2f}, {p} (BP={self.brevity_penalty:.3f}, ratio={self.ratio:.3f}, "
                f"hyp_len={self.hyp_len}, ref_len={self.ref_len})")


def corpus_bleu_stats(hypotheses: Sequence, references: Sequence, *, lowercase: bool = False,
                      max_order: int = 4) -> BleuStats:
    """Corpus BLEU with multi-bleu.perl semantics, with its precisions, BP and lengths."""
    hyps, refs = check_pairs(hypotheses, references)
    correct = [0] * max_order
    total = [0] * max_order
    hyp_len = ref_len = 0
    for hyp, group in zip(hyps, refs):
        if lowercase:
            hyp, group = hyp.lower(), [r.lower() for r in group]
        words = perl_split(hyp)
        ref_words = [perl_split(r) for r in group]
        closest_diff, closest_len = None, 0
        for rw in ref_words:
            diff = abs(len(words) - len(rw))
            if closest_diff is None or diff < closest_diff or (diff == closest_diff and len(rw) < closest_len):
                closest_diff, closest_len = diff, len(rw)
        hyp_len += len(words)
        ref_len += closest_len
        ref_max = _max_ref_counts(ref_words, max_order)
        for gram, c in _ngram_counts(words, max_order).items():
            total[len(gram) - 1] += c
            correct[len(gram) - 1] += min(c, ref_max.get(gram, 0))
    precisions = [correct[n] / total[n] if total[n] else 0.0 for n in range(max_order)]
    if ref_len == 0:  # multi-bleu.perl prints "BLEU = 0" here
        return BleuStats(0.0, tuple(100 * p for p in precisions), 0.0, 0.0, hyp_len, 0)
    if hyp_len == 0:  # multi-bleu.perl dies dividing by zero; nothing was predicted, so 0
        return BleuStats(0.0, tuple(100 * p for p in precisions), 0.0, 0.0, 0, ref_len)
    bp = math.exp(1 - ref_len / hyp_len) if hyp_len < ref_len else 1.0
    # multi-bleu's my_log: log(0) is -9999999999, so one empty order makes BLEU exactly 0.0
    log_sum = sum(math.log(p) if p else -9999999999.0 for p in precisions)
    score = bp * math.exp(log_sum / max_order)
    return BleuStats(100.0 * score, tuple(100 * p for p in precisions), bp, hyp_len / ref_len, hyp_len, ref_len)


def corpus_bleu(hypotheses: Sequence, references: Sequence, *, lowercase: bool = False) -> float:
    """Corpus BLEU-4 (0-100) equal to ``multi-bleu.perl [-lc] refs < hyps`` on the same tokenized text.

    An empty prediction contributes no n-grams and zero length (it lowers precision of nothing but
    raises the brevity penalty): that is multi-bleu's own treatment, so it is kept.
    """
    return corpus_bleu_stats(hypotheses, references, lowercase=lowercase).score


def sacrebleu_corpus(hypotheses: Sequence, references: Sequence, *, tokenize: str = "13a",
                     lowercase: bool = False) -> float:
    """sacreBLEU's corpus BLEU (default 13a tokenisation, exp smoothing), for papers that report it.

    Items may have different numbers of references (missing ones are passed as None, which
    sacreBLEU skips).
    """
    import sacrebleu

    hyps, refs = check_pairs(hypotheses, references)
    width = max(len(g) for g in refs)
    streams = [[g[k] if k < len(g) else None for g in refs] for k in range(width)]
    return float(sacrebleu.corpus_bleu(hyps, streams, tokenize=tokenize, lowercase=lowercase).score)
