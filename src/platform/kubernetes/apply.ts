/** Server-side apply of rendered objects, under rck's field manager. */
import { type KubeConfig, type KubernetesObject, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import { FIELD_MANAGER } from '../../manifests/names.js';

export interface ApplyOptions {
  /** 'All': validated and defaulted by the API server, nothing stored. */
  dryRun?: 'All';
}

export class Applier {
  private readonly api: KubernetesObjectApi;
  constructor(kc: KubeConfig) {
    this.api = KubernetesObjectApi.makeApiClient(kc);
  }

  /** Applies one object; force: rck owns the fields it renders. */
  apply<T extends KubernetesObject>(obj: T, opts: ApplyOptions = {}): Promise<T> {
    const body = obj.kind === 'CustomResourceDefinition' ? crdForClient(obj) : obj.kind === 'NetworkPolicy' ? policyForClient(obj) : obj;
    return this.api.patch(body, undefined, opts.dryRun, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
  }

  async applyAll(objs: KubernetesObject[], opts: ApplyOptions = {}): Promise<KubernetesObject[]> {
    const out: KubernetesObject[] = [];
    for (const o of objs) out.push(await this.apply(o, opts));
    return out;
  }

  get objects(): KubernetesObjectApi {
    return this.api;
  }
}

/**
 * The client serializes objects through its models and silently drops keys it does not
 * know. Two keys of what we render are spelt differently there: NetworkPolicy rules'
 * `from` (`_from`), and the schema keywords of a CRD (below).
 */
function policyForClient<T extends KubernetesObject>(np: T): T {
  const copy = structuredClone(np) as unknown as { spec: { ingress?: Record<string, unknown>[] } };
  for (const rule of copy.spec.ingress ?? []) {
    if ('from' in rule) {
      rule._from = rule.from;
      delete rule.from;
    }
  }
  return copy as unknown as T;
}

/**
 * The client serializes a CRD through its V1JSONSchemaProps model, whose properties are
 * `_default`, `_enum`, `x_kubernetes_preserve_unknown_fields`...; keys spelt as in JSON
 * (`default`, `enum`) would be dropped silently. Renames them in every schema node the model
 * serializes (properties, allOf/anyOf/oneOf, not), but not under `items` and
 * `additionalProperties`: the model types those `any` and sends them as they are, so there
 * the JSON spelling must stay (cert-manager's CRDs have x-kubernetes-* fields under items).
 */
function crdForClient<T extends KubernetesObject>(crd: T): T {
  const copy = structuredClone(crd) as unknown as { spec: { versions: { schema?: { openAPIV3Schema?: unknown } }[] } };
  for (const v of copy.spec.versions) if (v.schema?.openAPIV3Schema) v.schema.openAPIV3Schema = schemaForClient(v.schema.openAPIV3Schema);
  return copy as unknown as T;
}

function schemaForClient(node: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if (k === 'properties') out.properties = Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, schemaForClient(s)]));
    else if (k === 'allOf' || k === 'anyOf' || k === 'oneOf') out[k] = (v as unknown[]).map(schemaForClient);
    else if (k === 'not') out[k] = schemaForClient(v);
    else if (k === 'default' || k === 'enum') out[`_${k}`] = v;
    else if (k.startsWith('x-kubernetes-'))
      out[k.replaceAll('-', '_')] = v; // x_kubernetes_preserve_unknown_fields
    else out[k] = v;
  }
  return out;
}
