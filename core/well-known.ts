/**
 * Well-known names: every label, annotation, field manager, default namespace and marker key that
 * Slipway writes or reads on objects, in git or over HTTP, in one place. Changing one of these is
 * changing a contract with clusters and repositories that exist, so they live here and nowhere
 * else; code imports them instead of spelling the string.
 */

// ─── Slipway's own names ────────────────────────────────────────────────────────────────────────

/** The agent's namespace when none is configured or given (`--namespace`): ApplySet parents, Events, Secrets. */
export const defaultAgentNamespace = "slipway-system";

/** The field manager Slipway applies objects with (server-side apply). */
export const applyFieldManager = "slipway";
/** The field manager of the status the agent writes into a parent's `data.status`. */
export const statusFieldManager = "slipway-status";
/** The field manager of the annotations the CLI writes on a parent (reconcile, suspend). */
export const cliFieldManager = "slipway-cli";

/** Prefix of a sync's ApplySet parent ConfigMap: sync `shop` → `slipway-shop`. */
export const parentNamePrefix = "slipway-";
/** Label the agent adds to every object it builds for a sync, naming the sync. */
export const syncNameLabel = "slipway.dev/name";
/** Label naming the namespace of the agent that applies the object. */
export const syncNamespaceLabel = "slipway.dev/namespace";
/** Label on every parent the agent writes status to, naming the sync. */
export const syncLabel = "slipway.dev/sync";
/** Prefix of a source's status ConfigMap: source `flux-system/flux-system` → `slipway.source.flux-system.flux-system` (a dot, so it never meets a sync's `slipway-…` parent). */
export const sourceStatusNamePrefix = "slipway.source.";
/** Label on every source status ConfigMap, naming the source. */
export const sourceLabel = "slipway.dev/source";

/** Set by `slipway reconcile` to an ISO time; the agent reconciles and records it as `lastHandledReconcileAt`. */
export const reconcileRequestedAtAnnotation = "slipway.dev/reconcile-requested-at";
/** Set by `slipway reconcile --with-source`: fetch the source before reconciling. */
export const reconcileWithSourceAnnotation = "slipway.dev/reconcile-with-source";
/** Set to `"true"` by `slipway suspend`, removed by `slipway resume`. */
export const suspendAnnotation = "slipway.dev/suspend";

/** `reportingController` of the Kubernetes Events the agent records. */
export const eventReportingController = "slipway.dev/agent";
/** Prefix of the ApplySet tooling value Slipway writes (`slipway/<version>`). */
export const toolingPrefix = "slipway/";

/** The Secret `slipway bootstrap --git-username` creates for the agent's git credentials. */
export const gitCredentialsSecretName = "slipway-git-credentials";
/** The commit author of the CI step when neither the inputs nor the ImageUpdateAutomation name one. */
export const defaultCommitAuthor: Readonly<{ name: string; email: string }> = { name: "slipway", email: "slipway@users.noreply.invalid" };
/** User-Agent of the CI step's own HTTP calls (GitHub API, the agent's webhook). */
export const ciUserAgent = "slipway-ci";

// ─── Per-object opt-out markers (label or annotation), Slipway's key first, then Flux's ─────────

/** `disabled`: never apply nor prune the object. */
export const reconcileMarkers: readonly string[] = ["slipway.dev/reconcile", "kustomize.toolkit.fluxcd.io/reconcile"];
/** `enabled`: recreate the object when an immutable field changes. */
export const forceMarkers: readonly string[] = ["slipway.dev/force", "kustomize.toolkit.fluxcd.io/force"];
/** `Override` (default), `Merge`, `IfNotPresent`, `Ignore`: how the object is applied. */
export const ssaMarkers: readonly string[] = ["slipway.dev/ssa", "kustomize.toolkit.fluxcd.io/ssa"];
/** `disabled`: never prune the object. */
export const pruneMarkers: readonly string[] = ["slipway.dev/prune", "kustomize.toolkit.fluxcd.io/prune"];

/** Field managers whose fields Slipway takes over before applying (the ones `kubectl` and pre-SSA writes use). */
export const takeoverFieldManagers: readonly string[] = [
  "kubectl",
  "kubectl-client-side-apply",
  "kubectl-edit",
  "kubectl-patch",
  "kubectl-scale",
  "before-first-apply",
];

// ─── Flux's names ───────────────────────────────────────────────────────────────────────────────

/** Flux's namespace, the default namespace of image policies named by markers and of Flux objects read from git. */
export const fluxNamespace = "flux-system";
/** Key of the JSON object in an image policy marker comment: `# {"$imagepolicy": "ns:name"}`. */
export const imagePolicyMarkerKey = "$imagepolicy";
/** API group of Flux's image automation objects (ImageRepository, ImagePolicy, ImageUpdateAutomation). */
export const imageAutomationGroup = "image.toolkit.fluxcd.io";

// ─── Kubernetes ApplySet (KEP-3659) ─────────────────────────────────────────────────────────────

/** Label on an ApplySet parent holding the set's id. */
export const applySetIdLabel = "applyset.kubernetes.io/id";
/** Label on every member naming the set it belongs to. */
export const applySetPartOfLabel = "applyset.kubernetes.io/part-of";
/** Parent annotation naming the tool that owns the set (`slipway/<version>`). */
export const applySetToolingAnnotation = "applyset.kubernetes.io/tooling";
/** Parent annotation listing member group-kinds (`Deployment.apps,Service`). */
export const applySetGroupKindsAnnotation = "applyset.kubernetes.io/contains-group-kinds";
/** Parent annotation listing member namespaces other than the parent's. */
export const applySetNamespacesAnnotation = "applyset.kubernetes.io/additional-namespaces";
