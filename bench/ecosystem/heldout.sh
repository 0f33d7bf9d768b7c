#!/usr/bin/env bash
# Build the held-out application corpus for the ecosystem check: 8 pinned PyPI
# applications that connlint was never tuned on, unpacked as source trees
# (.py files only), by ../fetch_pinned.sh as ../apps.sh does.
# Usage: heldout.sh [DIR]
#   (default: ${XDG_CACHE_HOME:-~/.cache}/connlint-bench/heldout)
# Idempotent: an existing complete corpus with the same pins is reused.
# Pins are the newest version pip could download on 2026-12-06. All eight
# publish a wheel for it, so none comes as an sdist (the SDISTS list is kept
# for replacements: an sdist is only unpacked, never built or installed).
# None had to be replaced.
# Folders under src/: calibreweb, changedetection_io, datasette, errbot,
# litecli, mycli, pgcli, supysonic.
set -euo pipefail
DIR=${1:-${XDG_CACHE_HOME:-$HOME/.cache}/connlint-bench/heldout}
PKGS=(datasette==0.65.5 litecli==1.17.1 pgcli==4.7.1 mycli==2.30.1
      calibreweb==0.6.27 changedetection.io==0.60.10 errbot==6.2.1
      supysonic==0.7.9)
SDISTS=()
exec bash "$(dirname "$0")/../fetch_pinned.sh" "$DIR" "${PKGS[@]}" -- "${SDISTS[@]}"
