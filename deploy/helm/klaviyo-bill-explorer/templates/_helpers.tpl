{{- define "kbe.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "kbe.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector labels of one component (app or engine). */}}
{{- define "kbe.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "kbe.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "kbe.cookieSecretName" -}}
{{- .Values.app.cookieSecret.existingSecret | default (printf "%s-cookie" (include "kbe.fullname" .)) -}}
{{- end -}}

{{- define "kbe.engineUrl" -}}
{{- if .Values.config.engineUrl -}}
{{ .Values.config.engineUrl }}
{{- else if .Values.engine.enabled -}}
http://{{ include "kbe.fullname" . }}-engine:{{ .Values.engine.port }}
{{- end -}}
{{- end -}}
