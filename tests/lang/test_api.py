from collections import Counter

from codetrans.lang import api_sequence, extract_api_sequences

JAVA = '''
import java.util.Map;
import java.io.*;

class WordCounter {
    private java.util.List<String> words;
    private Map<String, Integer> counts;

    /**
     * Counts the words and prints a report to the console.
     */
    void report(Map<String, Integer> m, String path) throws IOException {
        for (String s : words) {
            m.put(s.trim(), 1);
        }
        var sb = new StringBuilder();
        sb.append("x").toString();
        this.words.add(Math.max(1, 2) + "");
        System.out.println(sb);
        try (Reader r = new FileReader(path)) {
            r.read();
        } catch (IOException e) {
            e.printStackTrace();
        }
        helper();
        counts.get("k");
    }

    /** No calls in here at all. */
    int zero() { return 0; }
}
'''


def test_api_sequence_in_evaluation_order_with_resolved_types():
    stats = Counter()
    records = extract_api_sequences(JAVA, path="WordCounter.java", stats=stats)
    assert len(records) == 1 and stats["api_no_calls"] == 1
    rec = records[0]
    assert rec["query"] == "Counts the words and prints a report to the console."
    assert rec["func_name"] == "WordCounter.report"
    assert rec["api_seq"] == [
        "String.trim", "Map.put",                       # argument evaluated before the call
        "StringBuilder.new", "StringBuilder.append", "StringBuilder.toString",
        "Math.max", "List.add",                         # static call, field through this.
        "PrintStream.println",                          # System.out
        "FileReader.new", "Reader.read", "IOException.printStackTrace",
        "Map.get",                                      # field; helper() on the own class is left out
    ]


def test_jdk_only_filter_and_plain_sequences():
    code = "import com.acme.Widget;\nclass A {\n/** Make a widget and name it. */\nvoid f() {\n Widget w = new Widget();\n w.setName(String.valueOf(1));\n}\n}"
    assert extract_api_sequences(code)[0]["api_seq"] == ["Widget.new", "String.valueOf", "Widget.setName"]
    assert extract_api_sequences(code, jdk_only=True)[0]["api_seq"] == ["String.valueOf"]
    assert api_sequence("class B { void g(java.io.File f) { f.delete(); } }") == ["File.delete"]
