#!/usr/bin/env bash
# Installs the pinned SDK (package-lock.json) into a cache dir under the build tree, then runs
# the node:test file there. Skips (exit 77) only when the npm registry cannot be reached.
set -euo pipefail
src="$(cd "$(dirname "$0")" && pwd)"
work="${1:?usage: run.sh WORK_DIR}"
mkdir -p "$work"
cp "$src/package.json" "$src/package-lock.json" "$src/sdk.test.mjs" "$src/providers.test.mjs" "$work/"
cd "$work"
stamp="node_modules/.ccproxy-lock"
if ! cmp -s package-lock.json "$stamp" 2>/dev/null; then
  if ! npm ci --no-audit --no-fund --loglevel=error >npm-install.log 2>&1; then
    if ! npm ping >/dev/null 2>&1; then
      echo "SKIPPED: the npm registry is unreachable, cannot install @anthropic-ai/sdk" >&2
      cat npm-install.log >&2 || true
      exit 77
    fi
    echo "npm ci failed although the registry is reachable:" >&2
    cat npm-install.log >&2
    exit 1
  fi
  cp package-lock.json "$stamp"
fi
exec node --test sdk.test.mjs providers.test.mjs
