/**
 * Options of the `kubernetes` scheduler, as written in a cluster file. Only `image` is required:
 * the API server is found as `kubectl` finds it (in a pod: its service account; elsewhere:
 * `$KUBECONFIG` or `~/.kube/config`) unless `apiServer` or `kubeconfig` says otherwise.
 */
import { Schema } from "effect"

/** A DNS-1123 label: what a namespace or a Service is named. */
const DnsLabel = Schema.String.pipe(
  Schema.pattern(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { message: () => "expected a DNS-1123 label: lower-case letters, digits and '-'" }),
  Schema.maxLength(63)
)

/** A DNS-1123 subdomain: what a ConfigMap or a ServiceAccount is named. */
const DnsSubdomain = Schema.String.pipe(
  Schema.pattern(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, {
    message: () => "expected a DNS-1123 subdomain: lower-case letters, digits, '-' and '.'"
  }),
  Schema.maxLength(253)
)

const Url = Schema.String.pipe(Schema.filter((u) => /^https?:\/\/[^/]+/.test(u) || "an http:// or https:// URL"))

/** Options of the `kubernetes` scheduler. */
export class Config extends Schema.Class<Config>("KubernetesSchedulerConfig")({
  /** The namespace of every object the scheduler makes. Default `default`. */
  namespace: Schema.optionalWith(DnsLabel, { default: () => "default" }),
  /** The image of every container: heron-runtime's own image (the executor runs from the same
   * installation, at the same paths, as the runtime that launches it). */
  image: Schema.NonEmptyTrimmedString,
  /** `Always`, `IfNotPresent` or `Never`. Default: Kubernetes' (from the image tag). */
  imagePullPolicy: Schema.optional(Schema.Literal("Always", "IfNotPresent", "Never")),
  /** The service account the topology's pods run as. Default: the namespace's `default`. */
  serviceAccount: Schema.optional(DnsSubdomain),
  /** A pod template kept in a ConfigMap (a `PodTemplate` or a pod template spec, YAML or JSON):
   * node selectors, tolerations, volumes, sidecars, security context, extra env of the container
   * named `executor`. The scheduler's own fields (image, command, env, resources, labels) are
   * merged over it. Read at each schedule and update. */
  podTemplate: Schema.optional(Schema.Struct({ configMap: DnsSubdomain, key: Schema.NonEmptyString })),
  /** Seconds a pod gets between SIGTERM and SIGKILL. Default: Kubernetes' (30). */
  terminationGracePeriodSeconds: Schema.optional(Schema.Int.pipe(Schema.nonNegative())),
  /** Extra labels on every object and pod (the scheduler's own labels win). */
  labels: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.String }), { default: () => ({}) }),
  /** Job links, `{namespace}`, `{topology}`, `{cluster}`, `{role}`, `{environ}` replaced, e.g.
   * `https://dashboard.example/#/statefulset/{namespace}/{topology}-executors`. Default: the
   * API URLs of the topology's two StatefulSets. */
  jobLinks: Schema.optional(Schema.Array(Schema.NonEmptyString)),
  /** Talk to this API server instead of the one found by default. */
  apiServer: Schema.optional(Schema.Struct({
    url: Url,
    /** A bearer token, usually `env("...")`; never printed. */
    token: Schema.optional(Schema.Redacted(Schema.NonEmptyString)),
    /** The CA bundle that signed the server's certificate. */
    caFile: Schema.optional(Schema.NonEmptyString),
    /** Accept any certificate (tests only). Default false. */
    insecureSkipTlsVerify: Schema.optionalWith(Schema.Boolean, { default: () => false })
  })),
  /** A kubeconfig file (and context) instead of the default lookup. */
  kubeconfig: Schema.optional(Schema.Struct({
    path: Schema.NonEmptyString,
    context: Schema.optional(Schema.NonEmptyString)
  })),
  /** How long one watch of a topology's pods may stay open before it is renewed (the server may
   * end it sooner). Each renewal is one request: this bounds the requests of a running topology
   * to 60 / watchTimeoutSeconds a minute. Default 300. */
  watchTimeoutSeconds: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 3600)), { default: () => 300 }),
  /** How long `kill` waits for the topology's pods to be gone before it returns (the API server
   * finishes deleting them anyway). Default 60000. */
  killTimeoutMs: Schema.optionalWith(Schema.Int.pipe(Schema.nonNegative()), { default: () => 60_000 })
}) {}
