"""One registry of grounders by task type, used by the pipelines and the evaluation harness alike."""

from codetrans.grounding import GROUNDERS, grounder
from codetrans.grounding.candidate import Grounded
from codetrans.tasks import GROUNDED_TYPES


def test_every_grounded_task_type_has_one_grounder_and_nothing_else_does():
    assert set(GROUNDERS) == set(GROUNDED_TYPES)
    assert grounder("document") is grounder("document")  # built once


def test_each_grounder_answers_with_its_provenance():
    pairs = [("read a text file", "FileReader.new BufferedReader.readLine", 2.0),
             ("read lines of a file", "FileReader.new BufferedReader.readLine BufferedReader.close", 1.0)]
    api = grounder("api").ground("read a file", "english", pairs, "Math.abs")
    assert isinstance(api, Grounded) and api.provenance.startswith("copied from the training pair")
    assert [c.kind for c in grounder("api").candidates("read a file", "", pairs, "Math.abs")] == \
        ["neighbour", "neighbour", "generated"]
    doc = grounder("document").ground("def size ( self ) : return len ( self . items )", "python", [], "Return size.")
    assert doc.text == "Return size." and doc.provenance == "generated"
    assert grounder("commit").load_chooser(None) is not None and grounder("api").load_chooser(None) is None
