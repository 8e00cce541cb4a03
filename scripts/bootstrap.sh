#!/usr/bin/env bash
# Install what preserve needs on a fresh Debian 12 machine with Python 3.11, idempotently:
# system packages (enchant + Hunspell dictionaries, Chromium for page tests, OpenSSH for the
# SFTP tests) and the Python environment in .venv/ with the exact versions in constraints.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

want_tests=${1:-}
apt_packages=(libenchant-2-2 hunspell-en-us hunspell-en-gb hunspell-de-de)
if [ "$want_tests" = "--tests" ]; then
  apt_packages+=(chromium openssh-server openssh-sftp-server)
fi

missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing system packages: ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv with $($PYTHON --version)" >&2
  "$PYTHON" -m venv .venv
fi
# Reinstall only when the dependency pins changed since the last install.
stamp=.venv/.preserve-installed
digest=$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$digest" ] || [ ! -x .venv/bin/preserve ]; then
  echo "bootstrap: installing Python dependencies into .venv" >&2
  .venv/bin/python -m pip install -q --disable-pip-version-check -c constraints.txt -e ".[test]"
  echo "$digest" > "$stamp"
fi
