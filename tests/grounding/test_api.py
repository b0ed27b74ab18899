"""API sequences by consensus of the nearest training pairs and the model's text."""

from codetrans.grounding.api import API_K, api_candidates, consensus, ground_api

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


def test_the_floor_a_wrong_model_never_pulls_the_answer_below_bm25_top1():
    """Served >= BM25 top-1 where the model is wrong: its text is outvoted and a neighbour answers."""
    from codetrans.grounding.api import MARGIN, MODEL_VOTE
    from codetrans.metrics.bleu import smoothed_bleu

    refs = ["FileReader.new BufferedReader.new BufferedReader.readLine BufferedReader.close",
            "Socket.new Socket.getOutputStream OutputStream.write Socket.close",
            "ArrayList.new List.add Collections.sort"]
    neighbours = [  # top-1, then pairs that share most of the calls (the usual shape of a BM25 list)
        [("q", refs[0], 3.0), ("q", "FileReader.new BufferedReader.new BufferedReader.readLine", 2.0),
         ("q", "BufferedReader.readLine BufferedReader.close", 1.0)],
        [("q", "Socket.new Socket.getOutputStream OutputStream.write", 3.0), ("q", refs[1], 2.0),
         ("q", "Socket.new Socket.close", 1.0)],
        [("q", "ArrayList.new List.add", 3.0), ("q", "List.add Collections.sort", 2.0), ("q", refs[2], 1.0)]]
    wrong = "Math.abs Math.max Integer.parseInt"
    served = [ground_api(n, wrong) for n in neighbours]
    assert all(g.text != wrong and g.provenance.startswith("copied from the training pair") for g in served)
    assert all(0.0 < g.confidence < 1.0 for g in served)
    top1 = [n[0][1] for n in neighbours]
    assert smoothed_bleu([g.text for g in served], refs) >= smoothed_bleu(top1, refs)
    # an infinite margin is BM25 top-1 itself, whatever the others say
    cands = api_candidates(neighbours[1], wrong)
    assert consensus(cands, MODEL_VOTE, float("inf")) == 0 and consensus(cands, MODEL_VOTE, MARGIN) in (0, 1, 2)


def test_a_pair_written_for_the_same_description_is_one_candidate_unless_exact_first(monkeypatch):
    """Answering a same-description pair as it is lost 0.57 smoothed BLEU on validation (generic sentences such as
    "returns the value" have many sequences), so it is one candidate of the consensus; EXACT_FIRST turns it on."""
    import codetrans.grounding.api as api

    pairs = [("tells whether or not this buffer is equal to another object",
              "DoubleBuffer.position DoubleBuffer.limit BufferMismatch.mismatch", 9.0, {"id": "openjdk:DoubleBuffer.equals"}),
             ("tells whether this object equals another", "Object.getClass Object.equals", 5.0),
             ("whether this object equals another", "Object.getClass Object.equals", 4.0)]
    query = "tells  whether or not this buffer is equal to another object"
    assert api.EXACT_FIRST is False
    assert ground_api(pairs, "Object.equals", query=query).text == "Object.getClass Object.equals"  # the consensus
    monkeypatch.setattr(api, "EXACT_FIRST", True)
    g = ground_api(pairs, "Object.equals", query=query)
    assert g.text == pairs[0][1] and g.origin["id"] == "openjdk:DoubleBuffer.equals"
    assert ground_api(pairs, "Object.equals").text == "Object.getClass Object.equals"  # no query: the consensus
