/**
 * The `receivers:` section of the agent configuration: where the webhook receivers listen (a port
 * of their own, apart from /metrics and the probes) and each receiver's kind, secret and sources.
 *
 * ```yaml
 * receivers:
 *   listen: ":9292"
 *   endpoints:
 *     - { name: github, type: github, secretRef: { name: github-webhook }, sources: [manifests] }
 * ```
 *
 * A receiver without a `secretRef` is refused when the file is loaded unless it says `open: true`.
 */
import * as z from "zod";

/** The kinds of receiver. */
export const receiverTypes = ["github", "gitlab", "generic-hmac", "slipway"] as const;
/** One kind of receiver: how its calls are authenticated and read. */
export type ReceiverType = (typeof receiverTypes)[number];

const label = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

const endpointSchema = z
  .strictObject(
    {
      /** Path segment: the receiver answers `POST /hook/<name>`. */
      name: z.string({ error: "is required" }).regex(label, { error: (iss) => `"${String(iss.input)}" is not a lowercase DNS label` }),
      type: z.enum(receiverTypes, { error: (iss) => `"${String(iss.input)}" is not one of ${receiverTypes.join(", ")}` }),
      /** Secret (in the agent's namespace unless given) whose key `token` holds the shared secret. */
      secretRef: z.strictObject({ name: z.string().min(1), namespace: z.string().min(1).optional(), key: z.string().min(1).optional() }, { error: "must be { name, namespace?, key? }" }).optional(),
      /** Accept calls without any signature. Default false. */
      open: z.boolean({ error: "must be true or false" }).optional(),
      /** Sources a call may trigger. Default: every source. */
      sources: z.array(z.string().min(1), { error: "must be a list of source names" }).optional(),
    },
    { error: (iss) => (iss.code === "unrecognized_keys" ? "unknown field (allowed: name, type, secretRef, open, sources)" : "must be a mapping") },
  )
  .refine((e) => e.secretRef !== undefined || e.open === true, {
    error: "has no secretRef: give it a Secret (key token), or set open: true to accept unsigned calls",
  })
  .refine((e) => !(e.secretRef !== undefined && e.open === true), { error: "has both secretRef and open: true; choose one" });

/** The `receivers` section's schema (absent or null: no receivers). */
export const receiversSchema = z
  .strictObject(
    {
      /** `[host]:port` of the receivers. Default `:9292`. */
      listen: z
        .unknown()
        .transform((v) => (v === undefined || v === null ? ":9292" : typeof v === "number" ? `:${v}` : v))
        .refine((v): v is string => typeof v === "string" && /^(\[[0-9a-f:.]+\]|[\w.-]*):\d{1,5}$/.test(v), { error: (iss) => `"${String(iss.input)}" is not an address such as :9292` })
        .optional()
        .transform((v) => v ?? ":9292"),
      endpoints: z.array(endpointSchema, { error: "must be a list" }),
    },
    { error: (iss) => (iss.code === "unrecognized_keys" ? "unknown field (allowed: listen, endpoints)" : "must be a mapping") },
  )
  .refine((r) => new Set(r.endpoints.map((e) => e.name)).size === r.endpoints.length, { error: "endpoint names must be unique" })
  .nullish()
  .transform((r) => r ?? undefined);

/** The receivers section as the agent uses it. */
export type ReceiversConfig = NonNullable<z.output<typeof receiversSchema>>;
/** One receiver. */
export type ReceiverEndpoint = ReceiversConfig["endpoints"][number];
