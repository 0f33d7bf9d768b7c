#!/usr/bin/env bash
# Build the application corpus (the benchmark's and the ecosystem check's):
# 22 pinned PyPI applications, unpacked
# as source trees (about 5,800 .py files, 954k lines, 37 MB).
# Usage: apps.sh [DIR]   (default: ${XDG_CACHE_HOME:-~/.cache}/connlint-bench/apps)
# Idempotent: an existing complete corpus is reused (bench/fetch_pinned.sh).
# Pins are the newest version pip could download on 2026-12-06. buku, isso and
# limnoria publish no wheel for it, so they come as sdists: those are only
# unpacked, never built or installed (pip itself still asks each sdist's build
# backend for its metadata while downloading it). None had to be dropped; pgsync was added later (7.3.0, the newest on
# 2026-12-06).
set -euo pipefail
DIR=${1:-${XDG_CACHE_HOME:-$HOME/.cache}/connlint-bench/apps}
PKGS=(flexget==3.22.8 sickchill==2024.3.1 sopel==8.0.4 privacyidea==3.14
      matrix-sydent==2.6.1 radicale==3.9.0 harlequin==2.17.0 iredis==1.16.1
      arq==0.28.0 saq==0.26.4 sqladmin==0.32.0 gradio==6.31.0 streamlit==1.67.0
      reflex==0.10.1 mayan-edms==4.12.2 django-silk==5.6.0 rq-dashboard==0.9.0
      superdesk-core==2.5.3 pgsync==7.3.0)
SDISTS=(buku==5.1 isso==0.14.0 limnoria==2026.10.4)
exec bash "$(dirname "$0")/fetch_pinned.sh" "$DIR" "${PKGS[@]}" -- "${SDISTS[@]}"
