"""The 5 golden training steps of tiny-distilbert re-run in PyTorch, to see how far PyTorch itself
lands from ../shared/golden/public/tiny-distilbert-after5 when only the order of float operations
changes (1 or 2 threads, float64). DistilBertForQuestionAnswering written out in torch.nn.functional
(tools/torch_distilbert.py), and transformers' own class where the Python running this has
transformers; Trainer defaults: AdamW, lr 5e-4 linear to 0, clip 1.0.

  apt-get install -y python3-torch libopenblas0-pthread
  /usr/bin/python3 tools/torch_after5.py        (QA_SHARED overrides ../shared)
  $(bash tools/transformers_env.sh) tools/torch_after5.py     (torch 2.13 + transformers 5.18)
"""
import gzip, json, os, sys
import torch
sys.path.insert(0, os.path.dirname(__file__))
from torch_distilbert import forward, load_safetensors as load, no_decay, span_loss

G = os.path.join(os.environ.get("QA_SHARED", os.path.join(os.path.dirname(__file__), "../../shared")), "golden")

def transformers_model():
    """transformers' DistilBertForQuestionAnswering as a forward like ours, or None without it."""
    try:
        from transformers import AutoModelForQuestionAnswering
    except ImportError:
        return None
    model = AutoModelForQuestionAnswering.from_pretrained(G + "/models/tiny-distilbert-init")
    def run_model(W, config, ids, mask, dt):
        # the parameters the optimizer updates (W) stand in for the module's own
        out = torch.func.functional_call(model, W, (), {"input_ids": ids, "attention_mask": mask})
        return out.start_logits, out.end_logits
    return run_model


def run(threads, dt, forward=forward):
    torch.set_num_threads(threads)
    init = load(G + "/models/tiny-distilbert-init/model.safetensors")
    config = json.load(open(G + "/models/tiny-distilbert-init/config.json"))
    W = {k: v.to(dt).requires_grad_(True) for k, v in init.items()}
    feats = [json.loads(l) for _, l in zip(range(40), gzip.open(G + "/public/train_features.jsonl.gz", "rt"))]
    decay = [v for k, v in W.items() if not no_decay(k)]
    rest = [v for k, v in W.items() if no_decay(k)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": rest, "weight_decay": 0.0}], lr=5e-4, betas=(0.9, 0.999), eps=1e-8)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: max(0.0, (5 - s) / 5))
    log = []
    for s in range(5):
        fs = feats[8 * s:8 * s + 8]
        ids = torch.tensor([f["input_ids"] for f in fs]); mask = torch.tensor([f["attention_mask"] for f in fs])
        st, en = forward(W, config, ids, mask, dt)
        loss = span_loss(st, en, torch.tensor([f["start_position"] for f in fs]), torch.tensor([f["end_position"] for f in fs]))
        opt.zero_grad(); loss.backward()
        gb = W["qa_outputs.bias"].grad.clone()
        norm = torch.nn.utils.clip_grad_norm_(list(W.values()), 1.0)
        opt.step(); sched.step()
        log.append((loss.item(), norm.item(), gb.tolist()))
    after = load(G + "/public/tiny-distilbert-after5/model.safetensors")
    diffs = {k: (W[k].detach().double() - after[k].double()).abs().max().item() for k in W}
    worst_rest = max(v for k, v in diffs.items() if k not in ("qa_outputs.bias", "distilbert.transformer.layer.1.output_layer_norm.bias"))
    return log, diffs, worst_rest

golden = json.load(open(G + "/public/tiny-distilbert-golden.json"))["train_log"]
runs = [(1, torch.float32, forward, "written out"), (2, torch.float32, forward, "written out"),
        (1, torch.float64, forward, "written out")]
hf_forward = transformers_model()
if hf_forward:
    import transformers
    runs.append((1, torch.float32, hf_forward, f"transformers {transformers.__version__}"))
for threads, dt, model, name in runs:
    log, diffs, worst = run(threads, dt, model)
    print(f"torch {torch.__version__}, {name}, threads={threads} {dt}: loss rel diff max",
          max(abs(l[0] - g["loss"]) / g["loss"] for l, g in zip(log, golden)))
    print("  qa_outputs.bias grads per step:", [[f"{x:.2e}" for x in l[2]] for l in log])
    print(f"  vs after5: qa_outputs.bias {diffs['qa_outputs.bias']:.2e}, layer.1.output_layer_norm.bias {diffs['distilbert.transformer.layer.1.output_layer_norm.bias']:.2e}, all others ≤ {worst:.2e}")
