/** Slipway's version, reported in ApplySet tooling annotations, User-Agent and `slipway version`. */
export const VERSION = "0.1.0";
