"""Model cards rendered from measured results, never typed by hand.

A :class:`ModelCard` is filled from what training wrote beside the weights (``recipe.yaml``,
``metrics.json``, ``codetrans.json``) and from evaluation harness results (``metrics.json`` of
``codetrans evaluate``), then rendered with ``templates/model_card.md`` into a Hugging Face style card:
YAML metadata (languages, tags, datasets, metrics, widget example, model-index) and a body with intended
use, the training recipe and data counts, and the evaluation table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from codetrans.errors import CodeTransError
from codetrans.fs import check_model_dir
from codetrans.meta import ModelMeta
from codetrans.tasks import SUBTASKS, get_subtask

TEMPLATE = Path(__file__).with_name("model_card.md")
# % distinct outputs under which the card says a sub-task's outputs have collapsed (one of a few stock
# sentences for most inputs), and under which it says the model reads those inputs only partly.
COLLAPSED_BELOW = 15.0
PARTLY_BELOW = 50.0
_METRIC_NAMES = {"smoothed_bleu": "smoothed BLEU-4 (CodeXGLUE)", "corpus_bleu": "corpus BLEU-4 (multi-bleu)",
                 "execution_accuracy": "execution accuracy", "exact_match": "exact match"}


@dataclass
class ModelCard:
    model_id: str
    tasks: list[str]  # sub-task ids
    size: str = "?"
    strategy: str = "?"
    params: int | None = None
    recipe: dict[str, Any] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)  # the training metrics.json
    evaluations: list[dict[str, Any]] = field(default_factory=list)  # harness metrics.json records
    datasets: list[str] = field(default_factory=list)
    reproduce: str | None = None  # how to rerun it; default: `codetrans train <recipe>`
    license: str = "apache-2.0"  # models trained on private data say "other" unless their owner decides
    notes: str = ""  # measured extras a recipe adds to the Training section (a curve, the session log)
    # the grounded comparison (`codetrans evaluate --context same-repo`): its records, in column order
    grounded: list[dict[str, Any]] = field(default_factory=list)
    grounded_command: str = ""
    evaluation_notes: str = ""  # ... and to the Evaluation section (e.g. which quality bars are met)
    quality: dict = field(default_factory=dict)  # judged truth, verifier recall, reliability (docs/quality/results.json)
    #: sections of the card's own (title, Markdown body), after Evaluation: e.g. a fine-tune's data and before/after
    sections: list[tuple[str, str]] = field(default_factory=list)

    @property
    def primary(self):
        return SUBTASKS[self.tasks[0]] if self.tasks and self.tasks[0] in SUBTASKS else None

    def languages(self) -> list[str]:
        langs = {SUBTASKS[t].lang for t in self.tasks if t in SUBTASKS}
        return sorted({"code", "en"} | {lang.replace("c_sharp", "c#") for lang in langs if lang != "english"})

    def metadata(self) -> dict[str, Any]:
        st = self.primary
        tags = ["codetrans", "t5", "code", "text2text-generation"] + sorted(
            {SUBTASKS[t].task_type for t in self.tasks if t in SUBTASKS})
        meta: dict[str, Any] = {
            "language": self.languages(),
            "license": self.license,
            "library_name": "transformers",
            "pipeline_tag": "text2text-generation",
            "tags": tags,
            "datasets": self.datasets or ["codetrans-harvested"],
            "metrics": sorted({SUBTASKS[t].metric for t in self.tasks if t in SUBTASKS}),
        }
        if st is not None:
            meta["widget"] = [{"text": st.prefix + st.type.widget}]
        results = []
        for ev in self.evaluations[:1]:  # the model's own scores (the first record), not its baselines'
            for task_id, res in ev.get("results", {}).items():
                if task_id not in SUBTASKS or "score" not in res:
                    continue
                results.append({
                    "task": {"type": "text2text-generation", "name": SUBTASKS[task_id].type.title},
                    "dataset": {"name": f"{_corpus_name(ev)} ({ev.get('dataset', {}).get('split', '?')})",
                                "type": task_id},
                    "metrics": [{"type": res.get("metric", SUBTASKS[task_id].metric),
                                 "value": round(float(res["score"]), 2), "name": _METRIC_NAMES.get(res.get("metric"), "")}],
                })
        if results:
            meta["model-index"] = [{"name": self.model_id, "results": results}]
        return meta

    def render(self, model_ref: str | None = None) -> str:
        st = self.primary
        if st is None:
            raise CodeTransError("the model card needs at least one known sub-task")
        tr = self.training
        rows = [("model size", f"{self.size} ({self.params:,} parameters)" if self.params else self.size),
                ("strategy", self.strategy),
                ("steps", f"{tr['step']:,} of {tr['steps']:,} planned" if tr.get("step") not in (None, tr.get("steps"))
                 else tr.get("steps", "?")),
                ("tokens seen", f"{tr['tokens']:,}" if isinstance(tr.get("tokens"), int) else "?"),
                ("training time", f"{tr['train_seconds']:.0f} s" if "train_seconds" in tr else "?"),
                ("final training loss", tr.get("loss_last", "?")),
                ("best dev loss", f"{tr['best_dev_loss']:.4f}" if isinstance(tr.get("best_dev_loss"), float) else "?"),
                # how much worse dev gets with each pair's code swapped for another's: ~0 = input ignored
                ("input reliance (dev loss with swapped inputs minus dev loss)",
                 f"{tr['input_gain']:+.3f} nats" if isinstance(tr.get("input_gain"), float) else "not measured")]
        if isinstance(tr.get("exemplar_gain"), float):  # a context stage: does it read its exemplars?
            rows.append(("exemplar reliance (dev loss without the exemplars minus dev loss)",
                         f"{tr['exemplar_gain']:+.3f} nats"))
        rows.append(("precision", tr.get("precision", "?")))
        counts = tr.get("data", {}).get("tasks", {})
        data_table = "\n".join(["| sub-task | examples |", "|---|---:|"] + [f"| {t} | {n:,} |" for t, n in counts.items()]) \
            if counts else "_not recorded_"
        ref = model_ref or self.model_id
        example = st.type.widget
        lang_kw = f', lang="{st.lang}"' if st.type.input_kind == "code" else ""
        values = {
            "metadata": yaml.safe_dump(self.metadata(), sort_keys=False, allow_unicode=True).strip(),
            "title": self.model_id,
            "summary": f"A CodeTrans T5 model ({self.size}, {self.strategy}) for "
                       + ", ".join(f"{SUBTASKS[t].type.title} ({SUBTASKS[t].lang})" for t in self.tasks if t in SUBTASKS)
                       + ". Inputs are raw source code, diffs or text; the pipeline tokenizes them with tree-sitter "
                         "and adds the task prefix.",
            "intended_use": f"{st.type.title.capitalize()} for developers: {st.type.use}",
            "pipeline": st.pipeline,
            "model_ref": ref,
            "example_call": f"{json.dumps(example)}{lang_kw}",
            "cli_example": f"codetrans {st.task_type} --model {ref} " + ("FILE" if st.type.input_kind != "text" else '"..."'),
            "training_table": "\n".join(f"| {k} | {v} |" for k, v in rows),
            "data_table": data_table,
            "notes": f"\n{self.notes.strip()}\n" if self.notes.strip() else "",
            "recipe_name": self.recipe.get("name", "?"),
            "strategy": self.strategy,
            "reproduce": self.reproduce or "`codetrans train "
            + self.recipe.get("source", f"training/{self.recipe.get('name', '?')}.yaml") + "`",
            "evaluation": self._evaluation_section(),
            "sections": "".join(f"\n## {title}\n\n{body.strip()}\n" for title, body in self.sections),
            "limitations": "Trained on public code; it writes plausible but unverified text. Check generated "
                           "documentation before committing it. Figures above are from the evaluation harness on the "
                           "splits named there; they are not comparable with other splits." + self._collapse_note(),
        }
        return TEMPLATE.read_text(encoding="utf-8").format_map(values)

    def _evaluation_section(self) -> str:
        if not self.evaluations:
            return "_No evaluation has been run for this model yet._"
        out = self._evaluation_table()
        if self.evaluation_notes.strip():
            out += "\n\n" + self.evaluation_notes.strip()
        return out + self._grounded_section() + self._quality_section()

    def _quality_section(self) -> str:
        """Judged truth at coverage and the verifier behind ``confidence`` (``docs/quality/results.json``)."""
        q = self.quality
        if not q:
            return ""
        parts = ["\n\n### Truth: judged precision, confidence and abstention\n",
                 "Every documentation, comment and commit answer carries `confidence`, the verifier's probability "
                 "that it is right (`verifier.json.gz` in this folder, recipe `training/verifier/verifier.json`). "
                 f"`--write`, `--fix`, the LSP's edits and the commit hook write only answers at or above "
                 f"**{q.get('write_threshold', '?')}**; the others are listed as \"not sure\" with their best "
                 "candidate. Labels come from reading the code (rubric: `docs/quality/RUBRIC.md`)."]
        for key, title in (("judged", "Judged on the validation repositories"),
                           ("recall", "Verifier recall@1 of the true docstring among its repository neighbours' texts "
                                      "(test repositories)"),
                           ("stale", "Stale-docstring check (docstrings swapped between same-file neighbours, "
                                     "validation repositories)")):
            block = q.get(key)
            if block:
                how = f" Reproduce: `{block['command']}`." if block.get("command") else ""
                parts.append(f"\n**{title}.**{how}\n\n{block['table'].strip()}\n")
        if q.get("reliability"):
            parts.append(f"\n![reliability of confidence]({q['reliability']})\n")
        return "\n".join(parts).rstrip("\n")

    def _grounded_section(self) -> str:
        """Documentation grounded in the repository (``codetrans.grounding.documentation``) beside the model alone."""
        if not self.grounded:
            return ""
        from codetrans.metrics.table import render_context_table

        how = f" Reproduce: `{self.grounded_command}`." if self.grounded_command else ""
        return ("\n\n### Grounded in the repository\n\nInside a repository, `codetrans document` answers each function "
                "with the best of its nearest documented neighbours (edited to its names) and this model's text, one "
                "chosen by a scorer fit on the training repositories; `codetrans commit` the best of the changelog "
                "entries the diff adds, the nearest earlier commits (edited) and this model's text; `codetrans api` "
                "the consensus of the nearest training pairs and this model's text. Each answer names its source. On "
                "the test repositories (held out by repository), same-repository neighbours leave-one-out (commits: "
                "earlier commits only; API sequences: the training pairs):" + how + "\n\n"
                + render_context_table(self.grounded))

    def _model_records(self) -> list[dict]:
        """The harness records of this model (a model decodes; baselines have no decoding)."""
        return [ev for ev in self.evaluations if ev.get("decoding") is not None]

    def _distinct(self) -> dict[str, float]:
        """Per sub-task, the share of distinct outputs of this model's first evaluation (0-100)."""
        models = self._model_records()
        results = models[0].get("results", {}) if models else {}
        order = list(SUBTASKS)  # the table's column order
        return {t: float(results[t]["distinct_outputs"])
                for t in sorted(results, key=lambda t: (order.index(t) if t in order else len(order), t))
                if results[t].get("distinct_outputs") is not None}

    def _collapse_note(self) -> str:
        from codetrans.metrics.table import column_label

        def listed(band: dict[str, float]) -> str:
            return ", ".join(f"{column_label(t)} ({_pct(v)}% distinct)" for t, v in band.items())

        distinct = self._distinct()
        collapsed = {t: v for t, v in distinct.items() if v < COLLAPSED_BELOW}
        partly = {t: v for t, v in distinct.items() if COLLAPSED_BELOW <= v < PARTLY_BELOW}
        note = ""
        if collapsed:
            note += (" On " + listed(collapsed) + " most test inputs get one of a few stock outputs: the model"
                     " has not yet learned to read those inputs, and the BLEU it scores there is what a generic"
                     " sentence earns.")
        if partly:
            note += (" On " + listed(partly) + " fewer than half of the test inputs get an output of their own"
                     " (the others share theirs with another input): the model reads those inputs only partly"
                     " and falls back on a generic sentence for the rest.")
        return note

    def _evaluation_table(self) -> str:
        from codetrans.metrics.table import column_label, render_table

        parts = [render_table(self.evaluations)]
        distinct = self._distinct()
        if distinct:
            parts.append("Distinct outputs of the model (% of test items whose output differs from every other; a "
                         "collapse check, not a quality score): "
                         + ", ".join(f"{column_label(t)} {_pct(v)}" for t, v in distinct.items()) + ".\n")
        for ev in self.evaluations:
            ds = ev.get("dataset", {})
            dec = ev.get("decoding") or {}
            parts.append(f"- `{ev.get('name')}` on `{_corpus_name(ev)}` split `{ds.get('split')}` "
                         f"(fingerprint {ds.get('fingerprint')}), decoding {json.dumps(dec, sort_keys=True)}, "
                         f"{ev.get('time', {}).get('finished', '?')}")
        return "\n".join(parts)


def _pct(v: float) -> str:
    """A percentage for prose: one decimal under 10 (1 output in 300 is 0.3 %, not 0 %)."""
    return f"{v:.1f}" if v < 10 else f"{v:.0f}"


def _corpus_name(ev: dict) -> str:
    """The evaluated corpus by its folder name: an absolute path says where it sat on one machine, not what it is."""
    path = (ev.get("dataset") or {}).get("path")
    return Path(path).name if path else "?"


def _read_json(path: Path) -> dict:
    from codetrans.safeio import read_bytes

    try:
        return json.loads(read_bytes(path, 200_000_000).decode("utf-8"))
    except CodeTransError:  # read_bytes: not a regular file, too large (its own message)
        raise
    except (ValueError, RecursionError) as exc:  # JSON or UTF-8
        raise CodeTransError(f"{path} is not valid JSON: {' '.join(str(exc).split())[:200]}") from None


#: The folders `codetrans evaluate --context` writes, in the grounded table's column order.
GROUNDED_RUNS = ("no-context", "repo-bm25", "repo-bm25-edited", "grounded", "oracle")


def grounded_records(folder: str | Path) -> list[dict]:
    """The records of a `codetrans evaluate --context` output folder, in column order (absent runs left out)."""
    root = Path(folder)
    from codetrans.records import EVALUATION, check_record

    found = [check_record(_read_json(root / run / "metrics.json"), EVALUATION, str(root / run / "metrics.json"))
             for run in GROUNDED_RUNS if (root / run / "metrics.json").is_file()]
    if not found:
        raise CodeTransError(f"{root} holds no `codetrans evaluate --context` results")
    return found


def card_from_dirs(model_dir: str | Path, eval_results: list[str | Path] = (), model_id: str | None = None,
                   tasks: list[str] | None = None, license: str | None = None, notes: str = "",
                   grounded: str | Path | None = None, grounded_command: str = "",
                   quality: str | Path | None = None) -> ModelCard:
    """A card from a trained model directory and any number of harness results (files or run dirs)."""
    model_dir = check_model_dir(model_dir)
    recipe = yaml.safe_load((model_dir / "recipe.yaml").read_text()) if (model_dir / "recipe.yaml").is_file() else {}
    training = _read_json(model_dir / "metrics.json") if (model_dir / "metrics.json").is_file() else {}
    if training:
        from codetrans.records import TRAINING, check_record

        check_record(training, TRAINING, str(model_dir / "metrics.json"))
    meta = ModelMeta.read(model_dir)  # a broken description stops the card (one line), as before
    from codetrans.metrics.table import load_results

    evaluations = load_results(eval_results)  # LABEL=PATH: several results under one row label
    task_ids = tasks or meta.tasks or list(training.get("data", {}).get("tasks", {})) \
        or [t for ev in evaluations for t in ev.get("results", {})]
    order = list(SUBTASKS)  # registry order: the card leads with the first task of the paper's table
    task_ids = sorted({get_subtask(t).id for t in task_ids}, key=order.index)
    if not task_ids:
        raise CodeTransError("cannot tell the model's tasks: pass --task, or train/evaluate it first")
    default_id = model_dir.parent.name if model_dir.name == "final" else model_dir.name  # runs/<name>/final
    return ModelCard(model_id=model_id or meta.id or default_id, tasks=task_ids,
                     size=training.get("size", "?" if meta.size is None else meta.size),
                     strategy=training.get("strategy", "?" if meta.strategy is None else meta.strategy),
                     params=training.get("params"), recipe=recipe, training=training, evaluations=evaluations,
                     license=license or meta.license or "apache-2.0", notes=notes,
                     grounded=grounded_records(grounded) if grounded else [], grounded_command=grounded_command,
                     quality=_read_json(Path(quality)) if quality else {})
