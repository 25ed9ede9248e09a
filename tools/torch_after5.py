"""The 5 golden training steps of tiny-distilbert re-run in PyTorch, to see how far PyTorch itself
lands from ../shared/golden/public/tiny-distilbert-after5 when only the order of float operations
changes (1 or 2 threads, float64). DistilBertForQuestionAnswering written out in torch.nn.functional
(transformers cannot be installed here); Trainer defaults: AdamW, lr 5e-4 linear to 0, clip 1.0.

  apt-get install -y python3-torch libopenblas0-pthread
  /usr/bin/python3 tools/torch_after5.py        (QA_SHARED overrides ../shared)
"""
import gzip, json, math, os, struct
import numpy as np, torch, torch.nn.functional as F

G = os.path.join(os.environ.get("QA_SHARED", os.path.join(os.path.dirname(__file__), "../../shared")), "golden")
def load(path):
    b = open(path, "rb").read(); n = struct.unpack("<Q", b[:8])[0]; h = json.loads(b[8:8 + n]); out = {}
    for k, v in h.items():
        if k == "__metadata__": continue
        s, e = v["data_offsets"]; out[k] = torch.from_numpy(np.frombuffer(b[8 + n + s:8 + n + e], dtype=np.float32).reshape(v["shape"]).copy())
    return out

def forward(W, ids, mask, dt):
    p = "distilbert."
    L = ids.shape[1]
    we = W[p + "embeddings.word_embeddings.weight"]
    x = F.embedding(ids, we, padding_idx=0) + W[p + "embeddings.position_embeddings.weight"][:L][None]
    x = F.layer_norm(x, (x.shape[-1],), W[p + "embeddings.LayerNorm.weight"], W[p + "embeddings.LayerNorm.bias"], 1e-12)
    for i in range(2):
        l = f"{p}transformer.layer.{i}."
        lin = lambda t, n: F.linear(t, W[l + n + ".weight"], W[l + n + ".bias"])
        b, t, d = x.shape; h = 4
        sp = lambda y: y.view(b, t, h, d // h).transpose(1, 2)
        q = sp(lin(x, "attention.q_lin")) / math.sqrt(d // h)
        k = sp(lin(x, "attention.k_lin")); v = sp(lin(x, "attention.v_lin"))
        s = q @ k.transpose(2, 3)
        s = s.masked_fill((mask == 0).view(b, 1, 1, t), torch.finfo(dt).min)
        ctx = (s.softmax(-1) @ v).transpose(1, 2).reshape(b, t, d)
        a = F.layer_norm(lin(ctx, "attention.out_lin") + x, (d,), W[l + "sa_layer_norm.weight"], W[l + "sa_layer_norm.bias"], 1e-12)
        f = lin(F.gelu(lin(a, "ffn.lin1")), "ffn.lin2")
        x = F.layer_norm(f + a, (d,), W[l + "output_layer_norm.weight"], W[l + "output_layer_norm.bias"], 1e-12)
    logits = F.linear(x, W["qa_outputs.weight"], W["qa_outputs.bias"])
    return logits[..., 0], logits[..., 1]

def run(threads, dt):
    torch.set_num_threads(threads)
    init = load(G + "/models/tiny-distilbert-init/model.safetensors")
    W = {k: v.to(dt).requires_grad_(True) for k, v in init.items()}
    feats = [json.loads(l) for _, l in zip(range(40), gzip.open(G + "/public/train_features.jsonl.gz", "rt"))]
    decay = [v for k, v in W.items() if not (k.endswith("bias") or "LayerNorm" in k or "layer_norm" in k)]
    rest = [v for k, v in W.items() if not any(v is d for d in decay)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": rest, "weight_decay": 0.0}], lr=5e-4, betas=(0.9, 0.999), eps=1e-8)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: max(0.0, (5 - s) / 5))
    log = []
    for s in range(5):
        fs = feats[8 * s:8 * s + 8]
        ids = torch.tensor([f["input_ids"] for f in fs]); mask = torch.tensor([f["attention_mask"] for f in fs])
        st, en = forward(W, ids, mask, dt)
        L = ids.shape[1]
        sp = torch.tensor([f["start_position"] for f in fs]).clamp(0, L); ep = torch.tensor([f["end_position"] for f in fs]).clamp(0, L)
        loss = (F.cross_entropy(st, sp, ignore_index=L) + F.cross_entropy(en, ep, ignore_index=L)) / 2
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
for threads, dt in [(1, torch.float32), (2, torch.float32), (1, torch.float64)]:
    log, diffs, worst = run(threads, dt)
    print(f"torch {torch.__version__} threads={threads} {dt}: loss rel diff max",
          max(abs(l[0] - g["loss"]) / g["loss"] for l, g in zip(log, golden)))
    print("  qa_outputs.bias grads per step:", [[f"{x:.2e}" for x in l[2]] for l in log])
    print(f"  vs after5: qa_outputs.bias {diffs['qa_outputs.bias']:.2e}, layer.1.output_layer_norm.bias {diffs['distilbert.transformer.layer.1.output_layer_norm.bias']:.2e}, all others ≤ {worst:.2e}")
