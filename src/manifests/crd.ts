/**
 * The RedisCluster CustomResourceDefinition. Its spec schema is the spec file's zod schema
 * (z.toJSONSchema), made structural as Kubernetes requires: no $schema, no
 * additionalProperties:false (unknown fields are refused by strict field validation and
 * pruned otherwise), no propertyNames, `const` as a one-value enum, maps of scalar unions as
 * preserve-unknown-fields objects (the operator re-validates with zod and reports it in status).
 */
import { z } from 'zod';
import { API_VERSION, KIND, clusterSpecSchema } from '../spec/schema.js';

export const GROUP = API_VERSION.split('/')[0]!;
export const VERSION = API_VERSION.split('/')[1]!;
export const PLURAL = 'redisclusters';

type Json = Record<string, unknown>;

/** The spec's JSON schema as a Kubernetes structural schema. `local` is dropped: local only. */
export function specOpenApiSchema(): Json {
  const raw = z.toJSONSchema(clusterSpecSchema, { io: 'input', unrepresentable: 'any' }) as Json;
  const s = structural(raw);
  delete (s.properties as Json).local;
  return s;
}

export function structural(node: unknown): Json {
  const n = { ...(node as Json) };
  delete n.$schema;
  delete n.propertyNames;
  if (n.additionalProperties === false) delete n.additionalProperties;
  if ('const' in n) {
    n.enum = [n.const];
    delete n.const;
  }
  const values = n.additionalProperties as Json | undefined;
  if (values && Array.isArray(values.anyOf)) {
    // A map of string | number | boolean (redis.config) has no structural form: keep its values as given.
    delete n.additionalProperties;
    n['x-kubernetes-preserve-unknown-fields'] = true;
  }
  if (n.properties) {
    n.properties = Object.fromEntries(Object.entries(n.properties as Json).map(([k, v]) => [k, structural(v)]));
  }
  if (n.additionalProperties && typeof n.additionalProperties === 'object') n.additionalProperties = structural(n.additionalProperties);
  if (n.items) n.items = structural(n.items);
  return n;
}

const condition = {
  type: 'object',
  required: ['type', 'status'],
  properties: {
    type: { type: 'string' },
    status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
    reason: { type: 'string' },
    message: { type: 'string' },
    lastTransitionTime: { type: 'string', format: 'date-time' },
    observedGeneration: { type: 'integer' },
  },
};

const statusSchema = {
  type: 'object',
  properties: {
    observedGeneration: { type: 'integer', description: 'metadata.generation the status describes' },
    phase: { type: 'string', description: 'Ready, Creating, Degraded, Healing or Invalid' },
    readyMembers: { type: 'integer', description: 'members answering and in the cluster' },
    members: { type: 'integer', description: 'members the spec asks for' },
    shards: { type: 'integer', description: 'masters serving slots' },
    conditions: { type: 'array', items: condition, 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] },
    dataLoss: {
      type: 'object',
      description: 'unacknowledged data losses; acknowledge with the annotation rck.dev/data-loss-acknowledged=<RFC 3339 time>',
      properties: {
        since: { type: 'string' },
        lastAt: { type: 'string' },
        events: { type: 'integer' },
        keysLost: { type: 'integer' },
        bytesLost: { type: 'integer' },
        uncounted: { type: 'integer' },
        last: { type: 'string' },
      },
    },
  },
};

export function redisClusterCrd() {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${PLURAL}.${GROUP}`, labels: { 'app.kubernetes.io/managed-by': 'rck' } },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: { kind: KIND, listKind: `${KIND}List`, plural: PLURAL, singular: 'rediscluster', shortNames: ['rdc'] },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'Masters', type: 'integer', jsonPath: '.spec.masters' },
            { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicasPerMaster', description: 'replicas per master' },
            { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
            { name: 'Members', type: 'integer', jsonPath: '.status.readyMembers', description: 'members ready' },
            { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: 'A Redis Cluster kept by rck: masters x replicas, placed across nodes and zones, healed by the operator',
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec: specOpenApiSchema(),
                status: statusSchema,
              },
            },
          },
        },
      ],
    },
  };
}
