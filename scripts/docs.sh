#!/usr/bin/env bash
# The docs command: set up (as the other commands do), then build the site from the notebooks into _site/
# (nbdev_proc_nbs, then Sphinx + myst-nb; see scripts/docs.py for why not Quarto). Open _site/index.html.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$ROOT"
python scripts/docs.py "$@"
