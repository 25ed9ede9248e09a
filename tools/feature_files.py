"""Feature files as `qa featurize` writes them and `qa postprocess` reads them: one JSON object a
line, gzipped when the name ends in .gz."""
import gzip, json


def _open(path, mode):
    return gzip.open(path, mode + "t") if path.endswith(".gz") else open(path, mode)


def read_features(path):
    with _open(path, "r") as f:
        return [json.loads(line) for line in f]


def write_features_with_logits(path, rows):
    """Writes each (feature, start_logits, end_logits) of `rows` as the feature with its logits."""
    with _open(path, "w") as out:
        for feature, start, end in rows:
            out.write(json.dumps({**feature, "start_logits": start, "end_logits": end}) + "\n")
