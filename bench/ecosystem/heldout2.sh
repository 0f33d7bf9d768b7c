#!/usr/bin/env bash
# Build the second held-out application corpus for the ecosystem check: 6
# pinned PyPI applications that connlint was never tuned on, unpacked as source
# trees (.py files only), by ../fetch_pinned.sh as ../apps.sh does.
# Usage: heldout2.sh [DIR]
#   (default: ${XDG_CACHE_HOME:-~/.cache}/connlint-bench/heldout2)
# Idempotent: an existing complete corpus with the same pins is reused.
# Pins are the newest version pip could download on 2026-12-06. All six
# publish a wheel for it, so none comes as an sdist (the SDISTS list is kept
# for replacements: an sdist is only unpacked, never built or installed).
# None had to be replaced.
# Folders under src/: alerta_server, glances, kinto, maubot, patroni,
# pypicloud.
set -euo pipefail
DIR=${1:-${XDG_CACHE_HOME:-$HOME/.cache}/connlint-bench/heldout2}
PKGS=(alerta-server==9.1.0 kinto==26.5.0 patroni==4.1.5 maubot==0.6.0
      pypicloud==1.3.12 glances==4.5.8)
SDISTS=()
exec bash "$(dirname "$0")/../fetch_pinned.sh" "$DIR" "${PKGS[@]}" -- "${SDISTS[@]}"
