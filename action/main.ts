/** Entry point of the GitHub Action (bundled to dist/action.js). */
import * as core from "@actions/core";

core.setFailed("slipway action: the CI step is not built yet");
