import pytest

from codetrans import tasks
from codetrans.errors import CodeTransError


def test_thirteen_original_subtasks_with_prefixes():
    assert len(tasks.SUBTASKS) == 13
    assert tasks.get_subtask("document", "python").prefix == "function documentation generation python: "
    assert tasks.get_subtask("summarize", "csharp").id == "source_code_summarization_csharp"
    assert tasks.get_subtask("summarize", "c#").lang == "c_sharp"
    assert tasks.get_subtask("commit").prefix == "diffs in code: "
    assert tasks.get_subtask("codetrans-api").id == "api_generation"
    assert tasks.get_subtask("program_synthese").metric == "execution_accuracy"


def test_every_task_type_has_a_pipeline_and_subtasks():
    for name, ttype in tasks.TASK_TYPES.items():
        assert ttype.pipeline == f"codetrans-{name}"
        assert tasks.subtasks_of(name)


def test_format_and_strip_prefix_round_trip():
    st = tasks.get_subtask("comment", "java")
    text = tasks.format_input(st, "public int f ( ) { return 1 ; }")
    back, source = tasks.strip_prefix(text)
    assert back == st and source == "public int f ( ) { return 1 ; }"
    assert tasks.strip_prefix("plain text") == (None, "plain text")


@pytest.mark.parametrize("task,lang", [("document", "cobol"), ("translate", None), ("document", None)])
def test_unknown_combinations_raise_clear_errors(task, lang):
    with pytest.raises(CodeTransError) as err:
        tasks.get_subtask(task, lang)
    assert "python" in str(err.value) or "known tasks" in str(err.value)
