from codetrans.lang import normalize_diff, tokenize_message

DIFF = """diff --git a/.gitignore b/.gitignore
index 22c5544..0b1e2f0 100644
--- a/.gitignore
+++ b/.gitignore
@@ -1,2 +1,3 @@
 .DS_Store
 /performanceTest/lib
+*.hprof
\\ No newline at end of file
"""


def test_unified_diff_becomes_nngen_format():
    assert normalize_diff(DIFF) == ("mmm a / . gitignore <nl> ppp b / . gitignore <nl> . DS_Store <nl> "
                                    "/ performanceTest / lib <nl> + * . hprof <nl> \\ No newline at end of file <nl>")


def test_normalized_text_passes_through_and_max_lines():
    once = normalize_diff(DIFF)
    assert normalize_diff(once) == once
    assert normalize_diff(DIFF, max_lines=2) == "mmm a / . gitignore <nl> ppp b / . gitignore <nl>"


def test_messages_tokenized_like_the_corpus():
    assert tokenize_message("Delete ic_launcher.") == "Delete ic_launcher ."
