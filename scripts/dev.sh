#!/usr/bin/env bash
# The project's task runner: every npm script goes through here so that a fresh clone on a
# fresh machine installs what it needs (Node 24, npm packages) before the task runs.
# Usage: scripts/dev.sh TASK [ARGS…]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# shellcheck source=scripts/node24.sh
. scripts/node24.sh

ensure_deps() {
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "► npm ci" >&2
    npm ci --no-audit --no-fund --loglevel=error >&2
  fi
}

task="${1:-}"; shift || true
case "$task" in
  build)     ensure_deps; exec node scripts/build.ts "$@" ;;
  typecheck) ensure_deps; exec node_modules/.bin/tsc -p tsconfig.json --noEmit ;;
  lint)      ensure_deps; exec node_modules/.bin/eslint --max-warnings=0 "$@" ;;
  testenv)   ensure_deps; exec node test/env/cli.ts "$@" ;;
  node)      ensure_deps; exec node "$@" ;;
  test)      ensure_deps; exec node scripts/test.ts "$@" ;;
  demo)      ensure_deps; exec node examples/demo.ts "$@" ;;
  bench)     ensure_deps; exec node scripts/bench.ts "$@" ;;
  image)     ensure_deps; exec node scripts/image.ts "$@" ;;
  *) echo "usage: scripts/dev.sh build|typecheck|lint|testenv|test|demo|bench|image|node [args]" >&2; exit 2 ;;
esac
