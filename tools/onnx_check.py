"""Python's verdict on an exported onnx/model.onnx (test/transformers/onnx_check.ts).

onnx.checker.check_model with full_check (which runs strict shape inference), then Python's
onnxruntime on the features of a JSON Lines file: prints one JSON object with the graph's opset,
inputs and outputs (name, element type, dims; a dynamic axis by its name) and the start/end logits
of each feature, for the TypeScript side to compare with its own.

    python tools/onnx_check.py --model DIR/onnx/model.onnx --features FEATURES.jsonl[.gz]
"""

import argparse
import gzip
import json

import numpy as np
import onnx
import onnxruntime


def value_infos(values):
    out = []
    for value in values:
        tensor = value.type.tensor_type
        dims = [d.dim_param if d.dim_param else d.dim_value for d in tensor.shape.dim]
        out.append({"name": value.name, "elem_type": tensor.elem_type, "dims": dims})
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--features", required=True)
    args = parser.parse_args()

    model = onnx.load(args.model)
    onnx.checker.check_model(model, full_check=True)
    session = onnxruntime.InferenceSession(args.model, providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    opener = gzip.open if args.features.endswith(".gz") else open
    with opener(args.features, "rt", encoding="utf-8") as f:
        features = [json.loads(line) for line in f if line.strip()]
    feeds = {name: np.array([feat[name] for feat in features], dtype=np.int64) for name in names}
    start, end = session.run(["start_logits", "end_logits"], feeds)
    print(json.dumps({
        "checker": "ok",
        "ir_version": model.ir_version,
        "opset": [{"domain": o.domain, "version": o.version} for o in model.opset_import],
        "inputs": value_infos(model.graph.input),
        "outputs": value_infos(model.graph.output),
        "onnxruntime": onnxruntime.__version__,
        "start_logits": start.tolist(),
        "end_logits": end.tolist(),
    }))


if __name__ == "__main__":
    main()
