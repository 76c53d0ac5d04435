#!/usr/bin/env bash
# The docs command: set up (as the other commands do; it installs MathJax 3 from npm once), then build the site from
# the notebooks into _site/ with Sphinx + myst-nb (see scripts/docs.py for why not Quarto). The pages show the outputs
# of the last test run (_nbcache/, written by scripts/test_notebooks.py); notebooks without them are run first.
# Nothing is installed or changed in the environment by the build itself. Open _site/index.html.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$ROOT"
python scripts/docs.py "$@"
