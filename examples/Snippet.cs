string text = File.ReadAllText("input.txt");
string[] words = text.Split(new[] { ' ', '\n' }, StringSplitOptions.RemoveEmptyEntries);
Dictionary<string, int> counts = new Dictionary<string, int>();
foreach (string word in words) {
    counts[word] = counts.ContainsKey(word) ? counts[word] + 1 : 1;
}
