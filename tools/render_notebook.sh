#!/usr/bin/env bash
# Renders an executed notebook for a person to look at: HTML (jupyter nbconvert, lab template) and
# PNG pages screenshotted by Debian's headless Chromium (apt-get install -y chromium).
#   tools/render_notebook.sh build/notebooks/notebooks/qa_finetune.ipynb [OUT_DIR]
# writes OUT_DIR/NAME.html and OUT_DIR/NAME-1.png, NAME-2.png... (pages 1200 pixels wide and 1600
# high, the last one shorter; PAGE_HEIGHT overrides). OUT_DIR defaults to the notebook's folder.
set -euo pipefail
notebook=${1:?usage: tools/render_notebook.sh EXECUTED.ipynb [OUT_DIR]}
out_dir=$(realpath "${2:-$(dirname "$notebook")}")
name=$(basename "$notebook" .ipynb)
width=1200
page_height=${PAGE_HEIGHT:-1600}
tools=$(dirname "$(realpath "$0")")
command -v chromium >/dev/null || { echo "chromium is missing: apt-get install -y chromium" >&2; exit 1; }
mkdir -p "$out_dir"
rm -f "$out_dir/$name"-[0-9]*.png
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

jupyter nbconvert --to html --template-file "$tools/notebook_html.j2" \
  --output-dir "$out_dir" --output "$name" "$notebook" 2>"$scratch/nbconvert.log" ||
  { cat "$scratch/nbconvert.log" >&2; exit 1; }
html="$out_dir/$name.html"

# Flags: no sandbox as root; no background connections (this network refuses them, slowly).
chrome() {
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$scratch/profile" --hide-scrollbars "$@" 2>>"$scratch/chromium.log"
}

# The page's height: a copy that writes it into its title, read back with --dump-dom.
measure="$out_dir/.$name.measure.html"
{ cat "$html"; echo "<script>document.title = 'height=' + document.documentElement.scrollHeight;</script>"; } >"$measure"
height=$(chrome --window-size="$width,$page_height" --dump-dom "file://$measure" |
  sed -nE 's/.*<title>height=([0-9]+)<\/title>.*/\1/p' | head -1)
rm -f "$measure"
[ -n "$height" ] || { echo "could not measure $html" >&2; cat "$scratch/chromium.log" >&2; exit 1; }

# Each page: the whole document in an iframe shifted up by the pages before it.
pages=$(((height + page_height - 1) / page_height))
for ((page = 1; page <= pages; page++)); do
  frame="$out_dir/.$name.page.html"
  top=$(((page - 1) * page_height))
  shown=$((height - top < page_height ? height - top : page_height))
  echo "<body style='margin:0;overflow:hidden'><iframe src='$name.html' style='position:absolute;top:-${top}px;border:0;width:${width}px;height:${height}px'></iframe></body>" >"$frame"
  chrome --window-size="$width,$shown" --screenshot="$out_dir/$name-$page.png" "file://$frame" >/dev/null
  rm -f "$frame"
done
echo "$html ($height px): $out_dir/$name-1.png ... $name-$pages.png"
