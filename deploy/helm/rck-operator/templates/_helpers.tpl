{{/* The same labels as `rck render operator`, so both installs are the same objects. */}}
{{- define "rck-operator.labels" -}}
app.kubernetes.io/name: rck-operator
app.kubernetes.io/managed-by: rck
{{- end -}}

{{- define "rck-operator.subjects" -}}
- kind: ServiceAccount
  name: rck-operator
  namespace: {{ .Release.Namespace }}
{{- end -}}

{{- define "rck-operator.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{/* Rights on the RedisClusters' namespaces (NAMESPACED_RULES in src/manifests/operator.ts). */}}
{{- define "rck-operator.namespacedRules" -}}
- apiGroups: [rck.dev]
  resources: [redisclusters]
  verbs: [get, list, watch]
- apiGroups: [rck.dev]
  resources: [redisclusters/status]
  verbs: [get, patch, update]
# Owner references with blockOwnerDeletion need update on the owner's finalizers.
- apiGroups: [rck.dev]
  resources: [redisclusters/finalizers]
  verbs: [update]
# Rollouts: rck deletes one pod at a time (the StatefulSet's updateStrategy is OnDelete).
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list, watch, delete]
- apiGroups: [""]
  resources: [pods/log]
  verbs: [get]
# External access turned off: the ConfigMap of the members' load balancer addresses is deleted.
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get, create, patch, delete]
# External access: the members' load balancers are listed for their addresses; a retired member's is deleted, and all when it is turned off.
- apiGroups: [""]
  resources: [services]
  verbs: [get, list, create, patch, delete]
# The password is generated once: read to pass it to the controller, create when missing.
- apiGroups: [""]
  resources: [secrets]
  verbs: [get, create]
- apiGroups: [""]
  resources: [persistentvolumeclaims]
  verbs: [list, delete, deletecollection]
- apiGroups: ["", events.k8s.io]
  resources: [events]
  verbs: [create, patch]
- apiGroups: [apps]
  resources: [statefulsets]
  verbs: [get, list, watch, create, patch]
- apiGroups: [apps]
  resources: [statefulsets/scale]
  verbs: [get, patch]
- apiGroups: [policy]
  resources: [poddisruptionbudgets]
  verbs: [get, create, patch]
- apiGroups: [networking.k8s.io]
  resources: [networkpolicies]
  verbs: [get, create, patch]
- apiGroups: [cert-manager.io]
  resources: [certificates, issuers]
  verbs: [get, create, patch]
{{- end -}}
