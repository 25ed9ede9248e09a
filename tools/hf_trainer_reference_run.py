"""The reference training run of issue 3 with Hugging Face's own Trainer (transformers 5.18, torch
2.13, accelerate: the wheels tools/transformers_env.sh installs), on the features `qa featurize`
writes, as tools/torch_reference_run.py does with the Trainer's semantics written out. Writes the
Trainer's log and the dev features with their logits for `qa postprocess` and `qa evaluate`.

  PY=$(bash tools/transformers_env.sh); T=tmp/torchref   (featurize: see torch_reference_run.py)
  $PY tools/hf_trainer_reference_run.py --seed 42 --dir $T      (writes $T/hf-seed42/...)
  deno task qa postprocess --examples ../shared/data/squad/squad-v2.0-dev-first5articles.json \
    --features $T/hf-seed42/dev_logits.jsonl.gz --version-2-with-negative --out $T/hf-seed42/predictions.json
"""
import argparse, json, os, sys
import torch
sys.path.insert(0, os.path.dirname(__file__))
from feature_files import read_features, write_features_with_logits
from transformers import AutoModelForQuestionAnswering, Trainer, TrainingArguments

SHARED = os.environ.get("QA_SHARED", os.path.join(os.path.dirname(__file__), "../../shared"))


def labelled(features):
    """The fields the model takes, with the span labels under the names transformers uses."""
    return [{"input_ids": f["input_ids"], "attention_mask": f["attention_mask"],
             "start_positions": f["start_position"], "end_positions": f["end_position"]} for f in features]


def main():
    a = argparse.ArgumentParser()
    a.add_argument("--model", default=os.path.join(SHARED, "models/qa-distilbert-small-init"))
    a.add_argument("--dir", default="tmp/torchref")
    a.add_argument("--seed", type=int, default=42)
    a.add_argument("--epochs", type=float, default=2)
    a.add_argument("--max-steps", type=int, default=-1)
    a.add_argument("--threads", type=int, default=2)
    args = a.parse_args()
    torch.set_num_threads(args.threads)
    out_dir = os.path.join(args.dir, f"hf-seed{args.seed}")
    training_args = TrainingArguments(
        output_dir=out_dir, num_train_epochs=args.epochs, max_steps=args.max_steps,
        per_device_train_batch_size=32, per_device_eval_batch_size=64, learning_rate=5e-4,
        weight_decay=0.01, warmup_steps=0, max_grad_norm=1.0, seed=args.seed, logging_steps=10,
        eval_strategy="epoch", save_strategy="no", report_to=[], use_cpu=True, dataloader_num_workers=0)
    model = AutoModelForQuestionAnswering.from_pretrained(args.model)
    train = labelled(read_features(os.path.join(args.dir, "train.jsonl.gz")))
    dev = labelled(read_features(os.path.join(args.dir, "dev_train.jsonl.gz")))
    trainer = Trainer(model=model, args=training_args, train_dataset=train, eval_dataset=dev)
    result = trainer.train()
    with open(os.path.join(out_dir, "log.jsonl"), "w") as log:
        for entry in trainer.state.log_history: log.write(json.dumps(entry) + "\n")

    validation = read_features(os.path.join(args.dir, "dev_val.jsonl.gz"))
    inputs = [{"input_ids": f["input_ids"], "attention_mask": f["attention_mask"]} for f in validation]
    start, end = trainer.predict(inputs).predictions
    write_features_with_logits(os.path.join(out_dir, "dev_logits.jsonl.gz"),
                               zip(validation, start.tolist(), end.tolist()))
    losses = [e["loss"] for e in trainer.state.log_history if "loss" in e]
    last50 = sum(losses[-5:]) / len(losses[-5:]) if losses else result.training_loss
    summary = {"seed": args.seed, "steps": result.global_step, "loss_last50": last50,
               "minutes": round(result.metrics["train_runtime"] / 60, 1)}
    json.dump(summary, open(os.path.join(out_dir, "summary.json"), "w")); print(summary)


main()
