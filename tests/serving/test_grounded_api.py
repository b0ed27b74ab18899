"""API sequences by consensus of the nearest training pairs and the model's text."""

from codetrans.serving.grounded_api import API_K, api_candidates, consensus, ground_api

PAIRS = [("read a text file", "FileReader.new BufferedReader.new BufferedReader.readLine", 9.0, {"id": "a1"}),
         ("read lines of a file", "FileReader.new BufferedReader.new BufferedReader.readLine BufferedReader.close",
          8.0, {"id": "a2"}),
         ("open a socket", "Socket.new Socket.getInputStream", 7.0, {"id": "a3"})]


def test_the_candidate_the_others_agree_with_wins_with_its_training_pair_named():
    g = ground_api(PAIRS, "Math.abs Math.max")  # the model agrees with none: the two file readers win
    assert g.text == PAIRS[0][1]
    assert g.provenance == "copied from the training pair for 'read a text file' (the consensus of 3 nearest and " \
                           "the model)"
    assert g.origin == {"query": "read a text file", "id": "a1"}
    assert [c.kind for c in g.candidates] == ["neighbour"] * 3 + ["generated"]


def test_the_models_vote_decides_between_two_camps():
    camps = [("q1", "Socket.new Socket.connect", 5.0), ("q2", "Socket.new Socket.connect Socket.close", 4.0),
             ("q3", "File.new File.delete", 3.0), ("q4", "File.new File.delete File.exists", 2.0)]
    cands = api_candidates(camps, "File.new File.delete File.exists")
    assert cands[consensus(cands)].text.startswith("File.new")
    assert cands[consensus(cands, model_vote=0.0)].text.startswith(("File.new", "Socket.new"))
    # the model's own text is the answer when it sits between neighbours that agree with nothing else
    g = ground_api([("q1", "Xml.parse Zip.open", 2.0), ("q2", "Query.run Stream.close", 1.0)], "Xml.parse Query.run")
    assert (g.text, g.provenance, g.origin) == ("Xml.parse Query.run", "generated", None)
    # one neighbour and the model: no consensus to find, the nearest pair answers
    assert ground_api([("q", "A.b C.d", 1.0)], "Xml.parse").provenance.startswith("copied from the training pair for 'q'")
    assert ground_api([("q", "A.b C.d", 1.0)], "A.b C.d").provenance.startswith("copied from the training pair for 'q'")
    assert ground_api([], "A.b C.d").provenance == "generated"
    assert ground_api([], "").text == ""


def test_at_most_api_k_neighbours_are_candidates():
    many = [(f"q{i}", f"A.m{i}", float(-i)) for i in range(API_K + 5)]
    assert len(api_candidates(many, None)) == API_K
