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
from codetrans.tasks import TASK_TYPES, subtasks_of  # noqa: E402


class PipelineCache:
    """One pipeline per (task, model), built on first use; thread-safe for the queue's workers."""

    def __init__(self) -> None:
        self._pipes: dict[tuple[str, str], Any] = {}
        self._lock = threading.Lock()

    def get(self, task: str, model: str) -> Any:
        key = (task, model)
        with self._lock:
            if key not in self._pipes:
                from codetrans.serving.pipelines import pipeline

                self._pipes[key] = pipeline(task, model=model)
            return self._pipes[key]


def run_task(cache: PipelineCache, task: str, model: str | None, lang: str | None, text: str,
             max_new_tokens: int = 64, num_beams: int = 1) -> str:
    """What a tab's button does; CodeTransError becomes a message in the page."""
    import gradio as gr

    if not model:
        raise gr.Error("choose a model first (start the demo with --model DIR)")
    if not text or not text.strip():
        raise gr.Error("the input is empty: paste some code or text first")
    try:
        pipe = cache.get(task, model)
        kwargs: dict[str, Any] = {"max_new_tokens": int(max_new_tokens), "num_beams": int(num_beams)}
        if lang:
            kwargs["lang"] = lang
        if task == "document":
            results = pipe(text, **kwargs)
            if results and "func_name" in results[0]:
                return "\n".join(f"{r['func_name']} (line {r['start_line']}): {r['generated_text']}" for r in results)
            return results[0]["generated_text"]
        return pipe(text, **kwargs)[0]["generated_text"]
    except CodeTransError as exc:
        raise gr.Error(str(exc)) from None
    except OSError as exc:  # a model directory that cannot be loaded
        raise gr.Error(f"cannot load the model {model!r}: {exc}") from None


def build_demo(models: list[str] | None = None, concurrency: int = 4) -> Any:
    """The Gradio Blocks app. ``models``: directories or zoo ids offered in every tab's model selector."""
    import gradio as gr

    from codetrans.serving import zoo

    choices = list(models or []) + [e.location for e in zoo.local_entries() if e.location not in (models or [])]
    cache = PipelineCache()
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
                                        allow_custom_value=True, elem_id=f"model-{task}")
                    beams = gr.Slider(1, 8, value=1, step=1, label="Beams")
                    max_new = gr.Slider(4, 256, value=64, step=4, label="Max new tokens")
                source = gr.Code(label="Input", lines=12, elem_id=f"input-{task}") if ttype.input_kind != "text" \
                    else gr.Textbox(label="Input", lines=3, elem_id=f"input-{task}")
                button = gr.Button("Generate", variant="primary", elem_id=f"run-{task}")
                output = gr.Textbox(label="Output", lines=4, elem_id=f"output-{task}")
                examples = ttype.examples
                if ttype.input_kind == "code":
                    gr.Examples([[text, ex_lang] for ex_lang, text in examples], inputs=[source, lang],
                                label="Examples")
                elif examples:
                    gr.Examples([[text] for _, text in examples], inputs=[source], label="Examples")

                def handler(m, lg, txt, mx, nb, _task=task):
                    return run_task(cache, _task, m, lg if TASK_TYPES[_task].input_kind == "code" else None,
                                    txt, mx, nb)

                button.click(handler, inputs=[model, lang, source, max_new, beams], outputs=output,
                             api_name=task, concurrency_limit=concurrency)
    demo.queue(default_concurrency_limit=concurrency, max_size=256)
    return demo


def launch(models: list[str] | None = None, host: str = "127.0.0.1", port: int = 7860, **kwargs: Any) -> None:
    demo = build_demo(models)
    demo.launch(server_name=host, server_port=port, share=False, show_error=True, **kwargs)
