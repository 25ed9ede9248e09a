"""The reference training run of issue 3 in PyTorch on this machine, on the features our featurizer
writes (equal to Python's, golden-tested), so seeds of PyTorch and of `qa train` can be compared on
one machine. HF Trainer semantics: AdamW (β 0.9/0.999, ε 1e-8, decay 0.01 except biases and
LayerNorm weights), lr linear to 0, no warmup, clip 1.0, a shuffled order per epoch, last batch
smaller, dropout in training only. Writes the dev features with their logits for `qa postprocess`.

  S=../shared; T=tmp/torchref
  deno task qa featurize --tokenizer $S/models/qa-distilbert-small-init --mode train \
    --input $S/data/squad/squad-v1.1-dev-articles-00-37.json --out $T/train.jsonl.gz
  deno task qa featurize --tokenizer $S/models/qa-distilbert-small-init --mode validation \
    --input $S/data/squad/squad-v2.0-dev-first5articles.json --out $T/dev_val.jsonl.gz
  deno task qa featurize --tokenizer $S/models/qa-distilbert-small-init --mode train \
    --input $S/data/squad/squad-v2.0-dev-first5articles.json --out $T/dev_train.jsonl.gz
  /usr/bin/python3 tools/torch_reference_run.py --seed 1 --dir $T     (writes $T/seed1/...)
  deno task qa postprocess --examples $S/data/squad/squad-v2.0-dev-first5articles.json \
    --features $T/seed1/dev_logits.jsonl.gz --version-2-with-negative --out $T/seed1/predictions.json
  deno task qa evaluate --data $S/data/squad/squad-v2.0-dev-first5articles.json --predictions $T/seed1/predictions.json
"""
import argparse, json, os, random, sys, time
import numpy as np, torch
sys.path.insert(0, os.path.dirname(__file__))
from feature_files import read_features, write_features_with_logits
from torch_distilbert import forward, load_safetensors, no_decay, span_loss

SHARED = os.environ.get("QA_SHARED", os.path.join(os.path.dirname(__file__), "../../shared"))


def tensors(features, *fields):
    return [torch.tensor([f[name] for f in features]) for name in fields]


def evaluate_loss(W, config, features, batch):
    total = 0.0
    with torch.no_grad():
        for i in range(0, len(features), batch):
            fs = features[i:i + batch]
            ids, mask, sp, ep = tensors(fs, "input_ids", "attention_mask", "start_position", "end_position")
            total += span_loss(*forward(W, config, ids, mask), sp, ep).item() * len(fs)
    return total / len(features)


def logit_rows(W, config, features, batch):
    with torch.no_grad():
        for i in range(0, len(features), batch):
            fs = features[i:i + batch]
            start, end = forward(W, config, *tensors(fs, "input_ids", "attention_mask"))
            yield from zip(fs, start.tolist(), end.tolist())


def main():
    a = argparse.ArgumentParser()
    a.add_argument("--model", default=os.path.join(SHARED, "models/qa-distilbert-small-init"))
    a.add_argument("--dir", default="tmp/torchref")
    a.add_argument("--seed", type=int, default=42)
    a.add_argument("--epochs", type=int, default=2)
    a.add_argument("--batch-size", type=int, default=32)
    a.add_argument("--learning-rate", type=float, default=5e-4)
    a.add_argument("--threads", type=int, default=2)
    args = a.parse_args()
    torch.set_num_threads(args.threads)
    random.seed(args.seed); np.random.seed(args.seed); torch.manual_seed(args.seed)  # HF set_seed
    out_dir = os.path.join(args.dir, f"seed{args.seed}"); os.makedirs(out_dir, exist_ok=True)

    config = json.load(open(os.path.join(args.model, "config.json")))
    W = {k: v.requires_grad_(True) for k, v in load_safetensors(os.path.join(args.model, "model.safetensors")).items()}
    train = read_features(os.path.join(args.dir, "train.jsonl.gz"))
    dev_train = read_features(os.path.join(args.dir, "dev_train.jsonl.gz"))
    steps_per_epoch = -(-len(train) // args.batch_size); total = steps_per_epoch * args.epochs
    groups = [{"params": [v for k, v in W.items() if not no_decay(k)], "weight_decay": 0.01},
              {"params": [v for k, v in W.items() if no_decay(k)], "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, lr=args.learning_rate, betas=(0.9, 0.999), eps=1e-8)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: max(0.0, (total - s) / total))
    log = open(os.path.join(out_dir, "log.jsonl"), "w"); losses = []; t0 = time.time(); step = 0
    for epoch in range(args.epochs):
        order = torch.randperm(len(train)).tolist()
        for i in range(0, len(train), args.batch_size):
            fs = [train[j] for j in order[i:i + args.batch_size]]
            ids, mask, sp, ep = tensors(fs, "input_ids", "attention_mask", "start_position", "end_position")
            loss = span_loss(*forward(W, config, ids, mask, training=True), sp, ep)
            opt.zero_grad(); loss.backward()
            norm = torch.nn.utils.clip_grad_norm_(list(W.values()), 1.0)
            lr = sched.get_last_lr()[0]; opt.step(); sched.step(); step += 1
            losses.append(loss.item())
            log.write(json.dumps({"step": step, "epoch": step / steps_per_epoch, "lr": lr, "loss": loss.item(),
                                  "grad_norm": norm.item(), "seconds": round(time.time() - t0, 1)}) + "\n"); log.flush()
            if step % 10 == 0: print(f"step {step}/{total} loss {np.mean(losses[-10:]):.4f} {time.time() - t0:.0f} s", flush=True)
        eval_loss = evaluate_loss(W, config, dev_train, 64)
        log.write(json.dumps({"epoch": epoch + 1, "eval_loss": eval_loss}) + "\n"); log.flush()
        print(f"epoch {epoch + 1}: eval loss {eval_loss:.4f}", flush=True)
    validation = read_features(os.path.join(args.dir, "dev_val.jsonl.gz"))
    write_features_with_logits(os.path.join(out_dir, "dev_logits.jsonl.gz"), logit_rows(W, config, validation, 64))
    summary = {"seed": args.seed, "torch": torch.__version__, "threads": args.threads, "steps": step,
               "loss_last50": float(np.mean(losses[-50:])), "minutes": round((time.time() - t0) / 60, 1)}
    json.dump(summary, open(os.path.join(out_dir, "summary.json"), "w")); print(summary)


main()
