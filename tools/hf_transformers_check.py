"""Issue 3's round trip through Python's transformers. A folder that `qa train` saved must load with
`AutoModelForQuestionAnswering.from_pretrained` and `AutoTokenizer.from_pretrained` (no missing,
unexpected or reshaped tensor), its tokenizer must give our features (ids, mask, token types,
offsets, as the tutorial's prepare_validation_features makes them), and the model must give the
logits ours gave on them (`qa predict --raw-logits`). With --save-to it writes the folder again
with `save_pretrained`, for the way back: `qa predict` on that folder, then this check on it.

Needs torch and transformers: tools/transformers_env.sh makes them from the wheels on this
machine's disk (no package index is reachable here) and prints the Python to use.

  PY=$(bash tools/transformers_env.sh)
  deno task qa predict --model models/demo --data data/squad-v2.0-sample.json \
    --version-2-with-negative --out tmp/hf/p.json --raw-logits tmp/hf/ours.jsonl.gz
  $PY tools/hf_transformers_check.py --model models/demo \
    --data data/squad-v2.0-sample.json --logits tmp/hf/ours.jsonl.gz --save-to tmp/hf/by-python
  deno task qa predict --model tmp/hf/by-python --data data/squad-v2.0-sample.json \
    --version-2-with-negative --out tmp/hf/p2.json --raw-logits tmp/hf/back.jsonl.gz
  $PY tools/hf_transformers_check.py --model tmp/hf/by-python \
    --data data/squad-v2.0-sample.json --logits tmp/hf/back.jsonl.gz
"""
import argparse, copy, json, os, sys
import torch, transformers
sys.path.insert(0, os.path.dirname(__file__))
from feature_files import read_features
from transformers import AutoModelForQuestionAnswering, AutoTokenizer


def read_examples(path):
    """SQuAD-shaped JSON (SQuAD v1.1/v2.0, CMRC 2018) in file order: (id, question, context)."""
    data = json.load(open(path, encoding="utf-8"))["data"]
    return [(qa["id"], qa["question"], paragraph["context"])
            for article in data for paragraph in article["paragraphs"] for qa in paragraph["qas"]]


def tutorial_features(tokenizer, examples, max_length, stride):
    """The tutorial's prepare_validation_features (padding on the right). The windows come from the
    tokenizer's own truncation applied to the whole tokenized pair (`post_process`), as in
    ../shared/golden: tokenizers 0.23's truncation inside `encode` drops the tail of long contexts
    from overflow windows (huggingface/tokenizers#2091)."""
    backend = copy.deepcopy(tokenizer.backend_tokenizer)
    backend.no_truncation(); backend.no_padding()
    pad = {"length": max_length, "pad_id": tokenizer.pad_token_id, "pad_token": tokenizer.pad_token}
    features = []
    for example_id, question, context in examples:
        backend.no_truncation(); backend.no_padding()
        pair = [backend.encode(text, add_special_tokens=False) for text in (question.lstrip(), context)]
        backend.enable_truncation(max_length, stride=stride, strategy="only_second")
        backend.enable_padding(**pad)
        first = backend.post_process(*pair, add_special_tokens=True)
        for window in [first] + first.overflowing:
            feature = {"example_id": example_id, "input_ids": window.ids,
                       "attention_mask": window.attention_mask, "token_type_ids": window.type_ids,
                       "offset_mapping": [list(o) if s == 1 else None
                                          for o, s in zip(window.offsets, window.sequence_ids)]}
            features.append(feature)
    return features


def compare_features(python, ours):
    if len(python) != len(ours):
        sys.exit(f"feature count: transformers {len(python)}, ours {len(ours)}")
    for index, (p, o) in enumerate(zip(python, ours)):
        for name, value in p.items():
            if name in o and o[name] != value:
                sys.exit(f"feature {index} ({p['example_id']}): {name} differs")
    return len(python)


def logit_difference(model, features, batch):
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in features[0]]
    if model.config.model_type == "distilbert": names = names[:2]  # DistilBERT takes no token types
    worst = 0.0
    with torch.no_grad():
        for i in range(0, len(features), batch):
            chunk = features[i:i + batch]
            out = model(**{n: torch.tensor([f[n] for f in chunk]) for n in names})
            for side in ("start_logits", "end_logits"):
                ours = torch.tensor([f[side] for f in chunk])
                worst = max(worst, (getattr(out, side) - ours).abs().max().item())
    return worst


def main():
    a = argparse.ArgumentParser()
    a.add_argument("--model", required=True, help="a folder saved by qa train (or by --save-to)")
    a.add_argument("--data", required=True, help="the DATA given to qa predict")
    a.add_argument("--logits", required=True, help="qa predict --raw-logits of that folder on DATA")
    a.add_argument("--max-length", type=int, default=384)
    a.add_argument("--doc-stride", type=int, default=128)
    a.add_argument("--tolerance", type=float, default=1e-4)
    a.add_argument("--save-to", help="write the folder again with save_pretrained")
    args = a.parse_args()

    model, info = AutoModelForQuestionAnswering.from_pretrained(args.model, output_loading_info=True)
    problems = {k: v for k, v in info.items() if v}
    if problems: sys.exit(f"{args.model}: {problems}")
    model.eval()
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    if not tokenizer.is_fast: sys.exit(f"{args.model}: transformers built a slow tokenizer")
    print(f"transformers {transformers.__version__}, torch {torch.__version__}: {args.model} loads as "
          f"{type(model).__name__} ({sum(p.numel() for p in model.parameters()):,} parameters, "
          f"no missing, unexpected or mismatched tensor) with {type(tokenizer).__name__}")

    ours = read_features(args.logits)
    count = compare_features(tutorial_features(tokenizer, read_examples(args.data), args.max_length,
                                               args.doc_stride), ours)
    print(f"its tokenizer gives our {count} features: input ids, masks, token types and offsets equal")
    worst = logit_difference(model, ours, 16)
    print(f"its logits against ours: max abs difference {worst:.2e} (tolerance {args.tolerance:g})")
    if worst > args.tolerance: sys.exit("logits differ")

    if args.save_to:
        model.save_pretrained(args.save_to)
        tokenizer.save_pretrained(args.save_to)
        print(f"saved again with save_pretrained to {args.save_to}")


main()
