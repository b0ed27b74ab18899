"""What a diff says about itself: changed files, changelog entries, readable text from the token format."""

from codetrans.lang.diff import normalize_diff
from codetrans.lang.diff_facts import changed_files, changelog_entries, code_stems, detokenize

APACHE = """diff --git a/src/changes/changes.xml b/src/changes/changes.xml
--- a/src/changes/changes.xml
+++ b/src/changes/changes.xml
@@ -47,6 +47,7 @@
     <action type="fix" dev="ggregory" due-to="Someone">Fix typos in Javadoc (#1774).</action>
+    <action type="fix" dev="ggregory" due-to="Ada">Keep StopWatch.formatSplitTime() from clamping splits to int millis (#1777).</action>
     <!-- ADD -->
diff --git a/src/main/java/org/apache/commons/lang3/time/StopWatch.java b/src/main/java/org/apache/commons/lang3/time/StopWatch.java
--- a/src/main/java/org/apache/commons/lang3/time/StopWatch.java
+++ b/src/main/java/org/apache/commons/lang3/time/StopWatch.java
@@ -1,3 +1,3 @@
-        return (int) millis;
+        return millis;
diff --git a/src/test/java/org/apache/commons/lang3/time/StopWatchTest.java b/src/test/java/org/apache/commons/lang3/time/StopWatchTest.java
new file mode 100644
--- /dev/null
+++ b/src/test/java/org/apache/commons/lang3/time/StopWatchTest.java
@@ -0,0 +1 @@
+class StopWatchTest {}
"""

TOWNCRIER_AND_RST = """diff --git a/changelog/123.bugfix.rst b/changelog/123.bugfix.rst
new file mode 100644
--- /dev/null
+++ b/changelog/123.bugfix.rst
@@ -0,0 +1,2 @@
+Fixed a crash when pytest.approx gets a
+decimal value.
diff --git a/CHANGES.rst b/CHANGES.rst
--- a/CHANGES.rst
+++ b/CHANGES.rst
@@ -3,2 +3,4 @@ Unreleased
 -   Old entry that stays.
+-   Fix the session cookie being set twice. :issue:`5230`
+
+Version 3.0
+-----------
"""


def test_changed_files_know_new_files_and_changelogs():
    files = changed_files(normalize_diff(APACHE))
    assert [f.path for f in files] == ["src/changes/changes.xml",
                                       "src/main/java/org/apache/commons/lang3/time/StopWatch.java",
                                       "src/test/java/org/apache/commons/lang3/time/StopWatchTest.java"]
    assert [f.is_changelog for f in files] == [True, False, False]
    assert [f.added for f in files] == [False, False, True]
    # the class a subject would name, once: the test file's suffix dropped, the changelog left out
    assert code_stems(normalize_diff(APACHE)) == ["StopWatch"]


def test_only_added_changelog_entries_are_read():
    entries = changelog_entries(normalize_diff(APACHE))
    # the context line (another commit's entry) is not this change's description
    assert entries == [("src/changes/changes.xml",
                        "Keep StopWatch.formatSplitTime() from clamping splits to int millis (#1777).")]


def test_fragments_and_bullets_are_entries_headings_are_not():
    entries = changelog_entries(normalize_diff(TOWNCRIER_AND_RST))
    assert entries == [("changelog/123.bugfix.rst", "Fixed a crash when pytest.approx gets a decimal value."),
                       ("CHANGES.rst", "Fix the session cookie being set twice.")]


def test_a_diff_without_changelog_has_no_entries():
    assert changelog_entries(normalize_diff("--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a = 1\n+a = 2\n")) == []


def test_detokenize_undoes_the_token_spacing():
    assert detokenize("ClassUtils . toCleanName ( ) ( # 1754 ) .") == "ClassUtils.toCleanName() (#1754)."
    assert detokenize("Re - assert CharRange start & lt ; = end") == "Re-assert CharRange start <= end"
    assert detokenize("StrBuilder doesn ' t clear its bytes , says \" sun . misc \" docs") == \
        "StrBuilder doesn't clear its bytes, says \"sun.misc\" docs"
    assert detokenize("docs : fix typo in README . md") == "docs: fix typo in README.md"


def test_a_pure_rename_is_described_by_its_two_names():
    from codetrans.lang.diff_facts import describe_diff

    diff = normalize_diff("diff --git a/src/Old.java b/src/New.java\nsimilarity index 100%\n"
                          "rename from src/Old.java\nrename to src/New.java\n")
    assert describe_diff(diff) == "Rename Old.java to New.java"
