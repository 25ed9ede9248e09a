"""transformers 4.57's pipeline("question-answering") on a saved model, for the differential test
test/transformers/pipeline_check.ts (issue 21). Reads a request, JSON:

  {"model": "<folder>", "runs": [{"options": {"top_k": 3, ...}, "inputs": [{"question", "context"}]}]}

and prints, JSON, per run the answers of each input, always as a list (the pipeline returns a
bare dict when there is one answer), start and end as code-point indices into the context (Python
str indices), or, where the pipeline refuses the input, {"error": "<type>: <message>"}. With
"one_by_one": true a run calls the pipeline once per input (for the error cases); otherwise it
passes the run's inputs as one list.

Needs transformers 4.57.6 (5.x has no such pipeline): PY=$(bash tools/transformers457_env.sh)
  $PY tools/hf_pipeline_answers.py request.json > answers.json
"""
import json, sys, warnings
import tokenizers, torch, transformers
from transformers import pipeline


def as_list(result):
    return [result] if isinstance(result, dict) else result


def answer_run(qa, run):
    options = run.get("options", {})
    inputs = run["inputs"]
    if run.get("one_by_one"):
        results = []
        for item in inputs:
            try:
                results.append(as_list(qa(item, **options)))
            except Exception as e:  # the pipeline's own refusal, reported, not hidden
                results.append({"error": f"{type(e).__name__}: {e}"})
        return results
    if len(inputs) == 1:
        return [as_list(qa(inputs[0], **options))]
    return [as_list(r) for r in qa(inputs, **options)]


def main():
    request = json.load(open(sys.argv[1], encoding="utf-8"))
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    transformers.logging.set_verbosity_error()
    qa = pipeline("question-answering", model=request["model"], tokenizer=request["model"],
                  device="cpu")
    if not qa.tokenizer.is_fast: sys.exit(f"{request['model']}: transformers built a slow tokenizer")
    runs = [answer_run(qa, run) for run in request["runs"]]
    versions = {"transformers": transformers.__version__, "tokenizers": tokenizers.__version__,
                "torch": torch.__version__}
    json.dump({"versions": versions, "runs": runs}, sys.stdout, ensure_ascii=False)


main()
