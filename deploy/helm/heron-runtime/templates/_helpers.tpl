{{/* The chart's name. */}}
{{- define "heron-runtime.name" -}}
{{- .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's objects: <release>-heron-runtime, or the release name when it says heron-runtime already. */}}
{{- define "heron-runtime.fullname" -}}
{{- if contains .Chart.Name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{/* Labels of every object. */}}
{{- define "heron-runtime.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "heron-runtime.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: heron
{{- end }}

{{/* Labels that select the runtime's pods. */}}
{{- define "heron-runtime.selectorLabels" -}}
app.kubernetes.io/name: {{ include "heron-runtime.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "heron-runtime.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "heron-runtime.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "heron-runtime.executorServiceAccountName" -}}
{{- if .Values.executorServiceAccount.create }}
{{- default (printf "%s-executor" (include "heron-runtime.fullname" .)) .Values.executorServiceAccount.name }}
{{- else }}
{{- .Values.executorServiceAccount.name }}
{{- end }}
{{- end }}

{{/* Where topologies run. */}}
{{- define "heron-runtime.schedulerNamespace" -}}
{{- default .Release.Namespace .Values.scheduler.namespace }}
{{- end }}

{{- define "heron-runtime.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* Where the image keeps its npm project, and the cluster files in it. */}}
{{- define "heron-runtime.clustersDir" -}}
/opt/heron/clusters
{{- end }}
