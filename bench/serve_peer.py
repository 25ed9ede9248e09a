"""The peer of `deno task bench:serve`: transformers' pipeline("question-answering") on the same
saved model and the same questions, in process (no HTTP: an upper bound for a Python server).

For each torch thread count: one question per call (latency p50/p99, questions/s), then all of
them as one list with batch_size 16 (questions/s). Prints one JSON line per thread count.
Needs a transformers that still has the pipeline (4.x; 5.x removed it).

    python bench/serve_peer.py MODEL_DIR QUESTIONS.json COUNT THREADS[,THREADS...]
"""
import json
import math
import sys
import time

import torch
import transformers
from transformers import pipeline


def quantile(sorted_values, q):
    k = min(len(sorted_values) - 1, max(0, math.ceil(q * len(sorted_values)) - 1))
    return sorted_values[k]


def main():
    model, questions_file, count, threads = sys.argv[1:5]
    with open(questions_file) as f:
        pairs = json.load(f)
    count = int(count)
    work = [pairs[i % len(pairs)] for i in range(count)]
    qa = pipeline("question-answering", model=model, tokenizer=model, device="cpu")
    for n in (int(t) for t in threads.split(",")):
        torch.set_num_threads(n)
        for p in work[:20]:
            qa(question=p["question"], context=p["context"])
        latencies = []
        began = time.perf_counter()
        for p in work:
            t = time.perf_counter()
            qa(question=p["question"], context=p["context"])
            latencies.append((time.perf_counter() - t) * 1000)
        single_s = time.perf_counter() - began
        latencies.sort()
        began = time.perf_counter()
        qa(question=[p["question"] for p in work], context=[p["context"] for p in work], batch_size=16)
        batched_s = time.perf_counter() - began
        print(json.dumps({
            "transformers": transformers.__version__,
            "torch": torch.__version__,
            "threads": n,
            "questions": count,
            "p50_ms": quantile(latencies, 0.5),
            "p99_ms": quantile(latencies, 0.99),
            "single_per_s": count / single_s,
            "batched16_per_s": count / batched_s,
        }), flush=True)


if __name__ == "__main__":
    main()
