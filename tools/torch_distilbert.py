"""DistilBertForQuestionAnswering in torch.nn.functional, for the PyTorch comparisons in tools/
(transformers cannot be installed here; Debian's python3-torch can). Same layout and names as
Hugging Face's modeling_distilbert: embeddings + LayerNorm + dropout, post-LN blocks with attention
dropout and FFN dropout, qa_dropout before the span head, loss = mean of the start and end
cross-entropies with positions clamped to the sequence length and ignored there.
"""
import json, math, struct
import numpy as np, torch, torch.nn.functional as F


def load_safetensors(path):
    """{name: float32 tensor} of a safetensors file."""
    b = open(path, "rb").read(); n = struct.unpack("<Q", b[:8])[0]; h = json.loads(b[8:8 + n]); out = {}
    for k, v in h.items():
        if k == "__metadata__": continue
        s, e = v["data_offsets"]
        out[k] = torch.from_numpy(np.frombuffer(b[8 + n + s:8 + n + e], dtype=np.float32).reshape(v["shape"]).copy())
    return out


def no_decay(name):
    """HF Trainer's rule: no weight decay for biases and LayerNorm weights."""
    return name.endswith("bias") or "LayerNorm" in name or "layer_norm" in name


def forward(W, config, ids, mask, dt=torch.float32, training=False):
    """Start and end logits, [batch, length] each."""
    p = "distilbert."
    drop = lambda t, rate: F.dropout(t, rate, training) if rate > 0 else t
    L = ids.shape[1]
    x = F.embedding(ids, W[p + "embeddings.word_embeddings.weight"], padding_idx=config["pad_token_id"])
    x = x + W[p + "embeddings.position_embeddings.weight"][:L][None]
    x = F.layer_norm(x, (x.shape[-1],), W[p + "embeddings.LayerNorm.weight"], W[p + "embeddings.LayerNorm.bias"], 1e-12)
    x = drop(x, config["dropout"])
    for i in range(config["n_layers"]):
        l = f"{p}transformer.layer.{i}."
        lin = lambda t, n: F.linear(t, W[l + n + ".weight"], W[l + n + ".bias"])
        b, t, d = x.shape; h = config["n_heads"]
        heads = lambda y: y.view(b, t, h, d // h).transpose(1, 2)
        q = heads(lin(x, "attention.q_lin")) / math.sqrt(d // h)
        k = heads(lin(x, "attention.k_lin")); v = heads(lin(x, "attention.v_lin"))
        s = (q @ k.transpose(2, 3)).masked_fill((mask == 0).view(b, 1, 1, t), torch.finfo(dt).min)
        probs = drop(s.softmax(-1), config["attention_dropout"])
        ctx = (probs @ v).transpose(1, 2).reshape(b, t, d)
        a = F.layer_norm(lin(ctx, "attention.out_lin") + x, (d,), W[l + "sa_layer_norm.weight"], W[l + "sa_layer_norm.bias"], 1e-12)
        f = drop(lin(F.gelu(lin(a, "ffn.lin1")), "ffn.lin2"), config["dropout"])
        x = F.layer_norm(f + a, (d,), W[l + "output_layer_norm.weight"], W[l + "output_layer_norm.bias"], 1e-12)
    x = drop(x, config["qa_dropout"])
    logits = F.linear(x, W["qa_outputs.weight"], W["qa_outputs.bias"])
    return logits[..., 0], logits[..., 1]


def span_loss(start_logits, end_logits, start_positions, end_positions):
    """DistilBertForQuestionAnswering's loss."""
    L = start_logits.shape[1]
    sp = start_positions.clamp(0, L); ep = end_positions.clamp(0, L)
    return (F.cross_entropy(start_logits, sp, ignore_index=L) + F.cross_entropy(end_logits, ep, ignore_index=L)) / 2
