"""The web demo: one tab per task, examples per language, language and model selectors.

Runs offline (no analytics, no external fetches) and binds 127.0.0.1 unless told otherwise. Requests
go through Gradio's queue; a bad input shows an error in the page and the server keeps serving.
"""

from __future__ import annotations

import os
import threading
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from codetrans.errors import CodeTransError  # noqa: E402
from codetrans.tasks import API, GROUNDED_TYPES, TASK_TYPES, subtasks_of  # noqa: E402

#: The largest input a request may carry (a 1 MB file fits).
MAX_INPUT_CHARS = 1_100_000


class PipelineCache:
    """Pipelines per (task, model), built on first use, at most ``max_size`` kept (least recently used
    evicted); thread-safe for the queue's workers. Only models in ``allowed`` are loaded, and CTranslate2
    exports go to ``export_root`` (a cache the server owns), never into a model folder."""

    def __init__(self, allowed: list[str] | None = None, max_size: int = 4,
                 export_root: str | os.PathLike | None = None) -> None:
        from collections import OrderedDict

        self._pipes: OrderedDict[tuple[str, str], Any] = OrderedDict()
        self._lock = threading.Lock()
        self.allowed = None if allowed is None else {str(m) for m in allowed}
        self.max_size = max(1, int(max_size))
        if export_root is None:
            from codetrans.serving import zoo

            export_root = zoo.home() / "demo-exports"
        self.export_root = export_root

    def check(self, model: str) -> None:
        if self.allowed is not None and str(model) not in self.allowed:
            raise CodeTransError("unknown model: choose one of the models this demo offers")

    def get(self, task: str, model: str) -> Any:
        self.check(model)
        key = (task, model)
        with self._lock:
            if key in self._pipes:
                self._pipes.move_to_end(key)
                return self._pipes[key]
            from codetrans.serving.pipelines import pipeline

            pipe = pipeline(task, model=model, export_root=self.export_root)
            self._pipes[key] = pipe
            while len(self._pipes) > self.max_size:
                self._pipes.popitem(last=False)
            return pipe

    def __len__(self) -> int:
        return len(self._pipes)


def allowed_models(models: list[str] | None) -> list[str]:
    """What a demo accepts: the models offered at start-up, the local zoo's models (by location and id)."""
    from codetrans.serving import zoo

    allowed = [str(m) for m in models or []]
    for e in zoo.local_entries():
        allowed += [e.location, e.id]
    return allowed


def run_task(cache: PipelineCache, task: str, model: str | None, lang: str | None, text: str,
             max_new_tokens: int | None = None, num_beams: int | None = None, context: str | None = None) -> str:
    """What a tab's button does; CodeTransError becomes a message in the page.

    ``context``: pasted documented code (code tabs): its documented functions are the exemplar pool,
    for models trained with exemplars; a last output line says how many were used. Pasted, not a path:
    a web page must not read the server's files."""
    import gradio as gr

    if not model:
        raise gr.Error("choose a model first (start the demo with --model DIR)")
    if not text or not text.strip():
        raise gr.Error("the input is empty: paste some code or text first")
    if len(text) > MAX_INPUT_CHARS:
        raise gr.Error(f"the input has {len(text):,} characters; the demo takes at most {MAX_INPUT_CHARS:,}")
    try:
        try:
            # 0 / None: the model's decoding defaults (codetrans.json, else the task's)
            kwargs: dict[str, Any] = {k: int(v) for k, v in (("max_new_tokens", max_new_tokens),
                                                             ("num_beams", num_beams)) if v}
        except (TypeError, ValueError, OverflowError):
            raise CodeTransError("max new tokens and beams must be whole numbers") from None
        pipe = cache.get(task, model)
        if lang:
            kwargs["lang"] = lang
        note = _context(pipe, context, lang, kwargs)
        sure = getattr(pipe, "write_threshold", lambda: None)()
        if task == "document":
            results = pipe(text, **kwargs)
            if results and "func_name" in results[0]:
                out = "\n".join(f"{r['func_name']} (line {r['start_line']}): {r['generated_text']}{_tag(r, sure)}"
                                 for r in results)
            else:
                out = results[0]["generated_text"] + _tag(results[0], sure)
        else:
            results = pipe(text, **kwargs)
            out = results[0]["generated_text"] + _tag(results[0], sure)
        if "context" in kwargs and kwargs["context"] is not True:
            used = [r.get("exemplars", 0) for r in results]
            if any("provenance" in r for r in results):
                note = (f"context: grounded in {len(kwargs['context'])} pasted documented function(s); "
                        f"{sum(used)} exemplar(s) read by the model")
            else:
                note = f"context: {sum(used)} exemplar(s) used for {len(used)} input(s), from " \
                       f"{len(kwargs['context'])} pasted documented function(s)"
        return out + (f"\n\n{note}" if note else "")
    except CodeTransError as exc:
        raise gr.Error(str(exc)) from None
    except OSError as exc:  # a model directory that cannot be loaded
        raise gr.Error(f"cannot load the model {model!r}: {exc}") from None


def _tag(result: dict[str, Any], threshold: float | None = None) -> str:
    """Where an answer came from and how sure the verifier is, after its text; "(not sure)" under the threshold."""
    from codetrans.apps.docwriter import answer_tag, not_sure

    tag = answer_tag(result)
    return (f"  [{tag}]" if tag else "") + ("  (not sure)" if not_sure(result, threshold) else "")


def _context(pipe: Any, context: str | None, lang: str | None, kwargs: dict[str, Any]) -> str:
    """Put the context box's pool into ``kwargs``, or return a note saying why there is none."""
    if pipe.task_type == "api":  # grounded in the model's index of its training pairs, not in pasted code
        if not (pipe.context_index() or {}).get(API):
            return "context: this model ships no index of its training pairs; generated by the model alone" \
                if context and context.strip() else ""
        kwargs["context"] = True
        return ("context: the consensus of the nearest training pairs and the model"
                + ("; the pasted context is not used for API sequences" if context and context.strip() else ""))
    if not context or not context.strip():
        return ""
    if len(context) > MAX_INPUT_CHARS:
        raise CodeTransError(f"the context has {len(context):,} characters; the demo takes at most {MAX_INPUT_CHARS:,}")
    grounded = pipe.task_type in GROUNDED_TYPES  # any model: retrieve, edit, choose
    if pipe.context_spec() is None and not grounded:
        return "context: this model was not trained with exemplars; generated without them"
    from codetrans.retrieval.pools import text_pool

    pool = text_pool(context, lang or "python")
    if len(pool) == 0:
        return f"context: {pool.note}; generated without it"
    kwargs["context"] = pool
    return ""


def build_demo(models: list[str] | None = None, concurrency: int = 4) -> Any:
    """The Gradio Blocks app. ``models``: directories or zoo ids offered in every tab's model selector."""
    import gradio as gr

    from codetrans.serving import zoo

    choices = list(models or []) + [e.location for e in zoo.local_entries() if e.location not in (models or [])]
    cache = PipelineCache(allowed_models(choices))
    with gr.Blocks(title="CodeTrans", analytics_enabled=False) as demo:
        gr.Markdown("# CodeTrans\nT5 models for code: documentation, summaries, comments, commit messages, "
                    "API sequences and program synthesis. Paste raw code: tokenization happens inside.")
        for task, ttype in TASK_TYPES.items():
            langs = [s.lang for s in subtasks_of(task)]
            with gr.Tab(ttype.label, elem_id=f"tab-{task}"):
                with gr.Row():
                    lang = gr.Dropdown(langs, value=langs[0], label="Language", visible=ttype.input_kind == "code",
                                       elem_id=f"lang-{task}")
                    model = gr.Dropdown(choices, value=choices[0] if choices else None, label="Model",
                                        allow_custom_value=False, elem_id=f"model-{task}")
                    beams = gr.Slider(0, 8, value=0, step=1, label="Beams (0: the model's default)")
                    max_new = gr.Slider(0, 256, value=0, step=4, label="Max new tokens (0: the model's default)")
                source = gr.Code(label="Input", lines=12, elem_id=f"input-{task}") if ttype.input_kind != "text" \
                    else gr.Textbox(label="Input", lines=3, elem_id=f"input-{task}")
                ctx = None
                if ttype.input_kind == "code":
                    ctx = gr.Code(label="Context (optional): documented code from your repository; answers are "
                                  "grounded in it and say where they came from", lines=4, value="",
                                  elem_id=f"context-{task}")
                button = gr.Button("Generate", variant="primary", elem_id=f"run-{task}")
                output = gr.Textbox(label="Output", lines=4, elem_id=f"output-{task}")
                examples = ttype.examples
                if ttype.input_kind == "code":
                    gr.Examples([[text, ex_lang] for ex_lang, text in examples], inputs=[source, lang],
                                label="Examples")
                elif examples:
                    gr.Examples([[text] for _, text in examples], inputs=[source], label="Examples")

                def handler(m, lg, txt, mx, nb, cx=None, _task=task):
                    return run_task(cache, _task, m, lg if TASK_TYPES[_task].input_kind == "code" else None,
                                    txt, mx, nb, cx)

                inputs = [model, lang, source, max_new, beams] + ([ctx] if ctx is not None else [])
                button.click(handler, inputs=inputs, outputs=output, api_name=task, concurrency_limit=concurrency)
    demo.queue(default_concurrency_limit=concurrency, max_size=256)
    return demo


def launch(models: list[str] | None = None, host: str = "127.0.0.1", port: int = 7860, **kwargs: Any) -> None:
    demo = build_demo(models)
    demo.launch(server_name=host, server_port=port, share=False, show_error=True, **kwargs)
