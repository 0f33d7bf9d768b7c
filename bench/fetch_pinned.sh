#!/usr/bin/env bash
# Download pinned PyPI packages and unpack them as source trees, Python files
# only: the corpora of the benchmark and of the ecosystem check.
# Usage: fetch_pinned.sh DIR WHEEL_PIN... [-- SDIST_PIN...]
# Wheels are unpacked as DIR/src/<name>; an sdist (for a package without a
# wheel) is only unpacked, never built or installed (pip itself still asks its
# build backend for its metadata while downloading it).  Idempotent: a
# complete corpus with the same pins is reused; other pins rebuild it.
# Prints DIR/src.
set -euo pipefail
DIR=$1
shift
PKGS=() SDISTS=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do PKGS+=("$1"); shift; done
[ $# -gt 0 ] && shift
SDISTS=("$@")
# The marker records the pins, so a changed list rebuilds the corpus.
PINS="${PKGS[*]}${SDISTS[*]:+ ${SDISTS[*]}}"
if [ -f "$DIR/.complete" ] && [ "$(cat "$DIR/.complete")" = "$PINS" ]; then echo "$DIR/src"; exit 0; fi
rm -rf "$DIR/whl" "$DIR/sdist" "$DIR/src"
mkdir -p "$DIR/whl" "$DIR/sdist" "$DIR/src"
python3 -m pip download -q --no-deps --only-binary=:all: -d "$DIR/whl" "${PKGS[@]}" >&2
if [ ${#SDISTS[@]} -gt 0 ]; then
  python3 -m pip download -q --no-deps --no-binary=:all: -d "$DIR/sdist" "${SDISTS[@]}" >&2
fi
# a wheel's distribution name is the part before the first '-'
# (Supysonic-0.7.9-... -> supysonic, changedetection_io-0.60.10-... -> changedetection_io)
for w in "$DIR"/whl/*.whl; do
  n=$(basename "$w" | cut -d- -f1 | tr 'A-Z' 'a-z')
  rm -rf "$DIR/src/$n"
  python3 -m zipfile -e "$w" "$DIR/src/$n"
done
# an sdist holds one top-level NAME-VERSION/ folder: unpack it as src/NAME
for s in "$DIR"/sdist/*.tar.gz "$DIR"/sdist/*.zip; do
  [ -e "$s" ] || continue
  n=$(basename "$s" | sed -E 's/-[0-9][^-]*\.(tar\.gz|zip)$//' | tr 'A-Z-.' 'a-z__')
  rm -rf "$DIR/src/$n" "$DIR/src/.tmp"
  python3 - "$s" "$DIR/src/.tmp" <<'EOF'
import sys, tarfile, zipfile
src, dst = sys.argv[1], sys.argv[2]
if src.endswith(".zip"):
    with zipfile.ZipFile(src) as z:
        z.extractall(dst)
else:
    with tarfile.open(src) as t:
        t.extractall(dst, filter="data")
EOF
  mv "$DIR"/src/.tmp/* "$DIR/src/$n"
  rm -rf "$DIR/src/.tmp"
done
# keep only Python sources: the corpus is what a linter reads
find "$DIR/src" -type f ! -name '*.py' -delete
find "$DIR/src" -type d -empty -delete
printf '%s' "$PINS" > "$DIR/.complete"
echo "$DIR/src"
