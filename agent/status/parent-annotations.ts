/**
 * The annotations people (through the CLI) put on a sync's ApplySet parent to talk to the agent,
 * and the label the agent puts on every parent it keeps status in.
 */

/** Set by `slipway reconcile` to an ISO time; the agent reconciles and records it as `lastHandledReconcileAt`. */
export const reconcileRequestedAt = "slipway.dev/reconcile-requested-at";
/** Set by `slipway reconcile --with-source`: fetch the source before reconciling. */
export const reconcileWithSource = "slipway.dev/reconcile-with-source";
/** Set to `"true"` by `slipway suspend`, removed by `slipway resume`. */
export const suspendAnnotation = "slipway.dev/suspend";
/** Label on every parent the agent writes status to, naming the sync. */
export const syncLabel = "slipway.dev/sync";
/** The field manager of the status the agent writes into the parent's `data.status`. */
export const statusFieldManager = "slipway-status";
/** The field manager of the CLI's annotations. */
export const cliFieldManager = "slipway-cli";
