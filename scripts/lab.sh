#!/usr/bin/env bash
# Optional third command: set up (as the other two do), then open JupyterLab on nbs/ with the explorer's extensions
# (jupyter_bokeh, jupyterlab_widgets). Extra arguments go to JupyterLab, e.g. --port=8899 or --no-browser.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$ROOT/nbs"
extra=()
[ "$(id -u)" = 0 ] && extra+=(--allow-root)
exec jupyter lab "${extra[@]}" "$@"
