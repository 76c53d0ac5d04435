#!/usr/bin/env bash
# Shared set-up for the README's commands: the project's virtual environment (created or reused), the pinned
# dependencies from settings.ini, the package itself (editable), Fashion-MNIST from Debian's package, and MathJax 3
# from npm for the docs site.
# Sourced by scripts/main.sh and scripts/test.sh; safe to run again (it skips what is done).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${WORKBENCH_VENV:-$ROOT/.venv}"
PY="${PYTHON:-python3}"

if [ ! -x "$VENV/bin/python" ]; then
  echo "[setup] creating the virtual environment $VENV"
  "$PY" -m venv "$VENV"
fi
# Re-install only when the dependency list changed (its hash is stamped into the venv).
stamp="$VENV/.workbench-deps-$( (cat "$ROOT/settings.ini" "$ROOT/setup.py") | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "[setup] installing pinned dependencies (torch==2.14.1, torchvision==0.29.1, timm, nbdev==2.4.14, papermill, ...)"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  (cd "$ROOT" && "$VENV/bin/python" -m pip install -q -e ".[dev]")
  rm -f "$VENV"/.workbench-deps-*; touch "$stamp"
fi
# jsonschema imports rfc3987-syntax when it is installed (jupyter-events asks for it through an extra); it builds a
# grammar at import: about 3 s of CPU in every process that reads a notebook (papermill, nbdev, nbformat). It only
# checks the "iri" string format, which no notebook or schema here uses, so it is removed.
if [ -n "$(ls -d "$VENV"/lib/python3*/site-packages/rfc3987_syntax 2>/dev/null)" ]; then
  "$VENV/bin/python" -m pip uninstall -y -q rfc3987-syntax
fi

# Fashion-MNIST: nothing is downloaded at run time; Debian packages it.
fm_found=""
for d in "${WORKBENCH_DATA:-}" "$ROOT/data" "$ROOT/data/fashion-mnist" /usr/share/datasets/fashion-mnist; do
  if [ -n "$d" ] && ls "$d"/t10k-labels-idx1-ubyte* >/dev/null 2>&1; then fm_found="$d"; break; fi
done
if [ -z "$fm_found" ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "[setup] installing Fashion-MNIST: apt-get install dataset-fashion-mnist"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >/dev/null
  else
    echo "[setup] Fashion-MNIST is missing. Install it with 'sudo apt-get install dataset-fashion-mnist' (Debian/Ubuntu)," >&2
    echo "        or put the four *-idx*-ubyte(.gz) files in a folder and set WORKBENCH_DATA to it." >&2
    exit 1
  fi
fi

# MathJax 3 for the docs site (maths rendered offline): npm's `mathjax` package, into the venv, once.
# (PyPI's `mathjax` is a stub and Debian's libjs-mathjax is v2.) scripts/docs.py copies it into the site.
MATHJAX_PREFIX="$VENV/share/mathjax"
if [ ! -f "$MATHJAX_PREFIX/node_modules/mathjax/es5/tex-chtml-full.js" ]; then
  if command -v npm >/dev/null 2>&1; then
    echo "[setup] installing MathJax 3 for the docs: npm install --prefix $MATHJAX_PREFIX mathjax@3.2.2"
    npm install --prefix "$MATHJAX_PREFIX" --no-audit --no-fund --silent mathjax@3.2.2 >/dev/null \
      || echo "[setup] npm install mathjax@3.2.2 failed: the docs build (scripts/docs.sh) needs it" >&2
  else
    echo "[setup] npm is missing: the docs build needs MathJax 3 from npm ('sudo apt-get install npm', then run this again)" >&2
  fi
fi
export PATH="$VENV/bin:$PATH"
