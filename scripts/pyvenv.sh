#!/usr/bin/env bash
# Creates (or updates) the Python virtual environment of the test scripts in target/pyvenv and
# prints its python's path. Packages come from PyPI, pinned in tests/requirements.txt; pip runs
# only when that file changed since the last install.
#
# usage: py=$(scripts/pyvenv.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/pyvenv
requirements=tests/requirements.txt
stamp=$venv/.requirements.stamp

if [[ ! -x $venv/bin/python ]]; then
  python3 -m venv "$venv" >&2 || {
    echo "pyvenv: cannot create a virtual environment (Debian: apt-get install python3-venv)" >&2
    exit 1
  }
fi
if [[ ! -f $stamp ]] || ! cmp -s "$requirements" "$stamp"; then
  echo "pyvenv: installing $(grep -cv '^\s*\(#\|$\)' "$requirements") packages from $requirements" >&2
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" >&2
  cp "$requirements" "$stamp"
fi
echo "$PWD/$venv/bin/python"
