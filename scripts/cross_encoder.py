"""Experiment: a small cross-encoder verifier initialised from the shipped model's encoder.

    python scripts/cross_encoder.py --data corpora/main --model codetrans/models/codetrans-t5-tiny-multitask \
        --out runs/xenc --minutes 45

Reads "text </s> code" with the T5 encoder, mean-pools, and scores with one linear layer; trained listwise
(softmax over a unit's true docstring and its hard negatives: the same repository's nearest neighbours'
texts, as they are and edited) on the training split, then measured as recall@1 on the test repositories
(the same groups as ``codetrans verifier measure``). Prints JSON. Not shipped unless it beats the shipped
verifier (see docs/quality/README.md).
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import torch

from codetrans.evaluation.verifier import verifier_groups


class CrossEncoder(torch.nn.Module):
    def __init__(self, encoder: torch.nn.Module, hidden: int):
        super().__init__()
        self.encoder = encoder
        self.head = torch.nn.Linear(hidden, 1)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        h = self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state
        pooled = (h * mask.unsqueeze(-1)).sum(1) / mask.sum(1, keepdim=True).clamp(min=1)
        return self.head(pooled).squeeze(-1)


def encode(tok, texts: list[str], code: str, max_len: int) -> tuple[torch.Tensor, torch.Tensor]:
    batch = tok([f"text: {t} code: {code}" for t in texts], truncation=True, max_length=max_len, padding=True,
                return_tensors="pt")
    return batch.input_ids, batch.attention_mask


def recall(model, tok, groups, max_len: int) -> dict[str, float]:
    model.eval()
    hits: dict[str, list[int]] = {}
    with torch.inference_mode():
        for g in groups:
            ids, mask = encode(tok, g.texts, g.code, max_len)
            s = model(ids, mask)
            hits.setdefault(g.task, []).append(int(all(s[0] > s[1:])))
    model.train()
    return {t: round(100 * sum(h) / len(h), 1) for t, h in hits.items()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--minutes", type=float, default=45)
    p.add_argument("--per-task", type=int, default=2000)
    p.add_argument("--max-len", type=int, default=128)
    p.add_argument("--test-per-task", type=int, default=50, help="test groups per language (each costs a forward "
                   "of every text: about a second on a 2-core CPU)")
    p.add_argument("--groups-per-step", type=int, default=4)
    p.add_argument("--lr", type=float, default=3e-4)
    args = p.parse_args()
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    torch.manual_seed(0)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tok = AutoTokenizer.from_pretrained(args.model)
    t5 = AutoModelForSeq2SeqLM.from_pretrained(args.model)
    model = CrossEncoder(t5.get_encoder(), t5.config.d_model)
    train = verifier_groups(args.data, "train", "doc", per_task=args.per_task)
    test = verifier_groups(args.data, "test", "doc", per_task=args.test_per_task)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    rng = random.Random(0)
    log = []
    t0, step, seen = time.time(), 0, 0
    while time.time() - t0 < args.minutes * 60:
        rng.shuffle(train)
        for i in range(0, len(train), args.groups_per_step):
            if time.time() - t0 > args.minutes * 60:
                break
            loss = 0.0
            for g in train[i:i + args.groups_per_step]:
                ids, mask = encode(tok, g.texts[:9], g.code, args.max_len)
                with torch.autocast("cpu", dtype=torch.bfloat16):
                    s = model(ids, mask).float()
                loss = loss + torch.nn.functional.cross_entropy(s.unsqueeze(0), torch.zeros(1, dtype=torch.long))
            (loss / args.groups_per_step).backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            opt.zero_grad()
            step += 1
            seen += args.groups_per_step
            if step % 100 == 0:
                log.append({"step": step, "groups": seen, "loss": round(float(loss) / args.groups_per_step, 4),
                            "minutes": round((time.time() - t0) / 60, 1)})
                print(json.dumps(log[-1]), flush=True)
    torch.save(model.state_dict(), out / "cross_encoder.pt")
    result = {"recall_at_1_test": recall(model, tok, test, args.max_len), "test_groups": len(test), "steps": step,
              "groups_seen": seen, "train_groups": len(train), "minutes": args.minutes, "log": log}
    (out / "result.json").write_text(json.dumps(result, indent=1))
    print(json.dumps({k: v for k, v in result.items() if k != "log"}))


if __name__ == "__main__":
    main()
