#!/usr/bin/env bash
# The CLI's outputs on examples/ (issue #35: "no public behaviour changed"): run before and after a refactor, diff.
#   bash scripts/cli_outputs.sh OUT_DIR [BACKEND]     (BACKEND: auto, torch or ct2; default auto)
# Every command's stdout+stderr goes to OUT_DIR/<name>.txt, its exit status to the file's last line. The commands
# run in a scratch folder holding a copy of examples/ (outside any repository, so two checkouts ground alike;
# document --write edits files); the codetrans that runs is the one on PATH / PYTHONPATH.
set -uo pipefail
out=$(realpath -m "${1:?OUT_DIR}"); backend=${2:-auto}
mkdir -p "$out"; tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cp -r "$(dirname "$0")/../examples" "$tmp/examples"
cd "$tmp"
b=(--backend "$backend")
run() { local name=$1; shift; { "$@" 2>&1; echo "exit $?"; } | sed "s#$tmp#TMP#g" > "$out/$name.txt"; }
run document_py      codetrans document examples/sample.py "${b[@]}"
run document_java    codetrans document examples/Stack.java "${b[@]}" --json
run document_shop    codetrans document examples/shop/cart.py --context examples/shop "${b[@]}" --json
run comment_java     codetrans comment examples/Stack.java "${b[@]}"
run summarize_sql    codetrans summarize examples/query.sql "${b[@]}"
run summarize_cs     codetrans summarize examples/Snippet.cs "${b[@]}"
run commit_diff      codetrans commit examples/change.diff "${b[@]}" --json
run api              codetrans api "$(cat examples/api_query.txt)" "${b[@]}" --json
run synthesize_arg   codetrans synthesize "$(cat examples/algolisp_problem.txt)" --arg 'a=[1,-2,3]' "${b[@]}"
run synthesize_ex    codetrans synthesize "$(cat examples/algolisp_problem.txt)" --example 'a=[1,-2,3] -> 4' "${b[@]}"
run document_check   codetrans document examples/shop/inventory.py --check "${b[@]}"
run document_write   codetrans document examples/shop/inventory.py --write --no-backup --min-confidence 0 "${b[@]}"
cp examples/shop/inventory.py "$out/document_write.inventory.py"
run bad_input        codetrans document /nonexistent/file.py "${b[@]}"
echo "$(ls "$out" | wc -l) outputs in $out"
