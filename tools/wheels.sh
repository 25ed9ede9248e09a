# Sourced by tools/transformers_env.sh and tools/transformers457_env.sh: where this machine keeps
# its Python 3.11 wheels. Sets `python` (python3.11) and `links` (pip's --find-links for each wheel
# folder that exists), or says what is missing and returns 1.
wheel_folders=(/opt/wheels /opt/pypi/files /opt/pypi-more/files)
find_wheels() {
  python=$(command -v python3.11) || {
    echo "no python3.11 (the local wheels are for CPython 3.11)" >&2
    return 1
  }
  links=()
  for folder in "${wheel_folders[@]}"; do
    [ -d "$folder" ] && links+=(--find-links "$folder")
  done
  [ ${#links[@]} -gt 0 ] || {
    echo "no local wheel folder (${wheel_folders[*]})" >&2
    return 1
  }
}
