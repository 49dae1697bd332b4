{{- define "tenant-proxy.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}{{ .Release.Name | trunc 63 | trimSuffix "-" }}{{- else -}}{{ printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- end -}}
{{- define "tenant-proxy.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}
{{- define "tenant-proxy.labels" -}}
{{ include "tenant-proxy.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}
{{- define "tenant-proxy.serviceAccountName" -}}
{{ default (include "tenant-proxy.fullname" .) .Values.serviceAccount.name }}
{{- end -}}
{{/* The Secret holding tls.crt / tls.key for the chosen tls.mode. */}}
{{- define "tenant-proxy.tlsSecretName" -}}
{{- if eq .Values.tls.mode "existingSecret" -}}
{{- required "tls.existingSecret is required with tls.mode=existingSecret: the name of a kubernetes.io/tls Secret for the serving certificate (or set tls.mode to certManager or generate)" .Values.tls.existingSecret -}}
{{- else -}}
{{- printf "%s-tls" (include "tenant-proxy.fullname" .) -}}
{{- end -}}
{{- end -}}
{{/* DNS names of the serving certificate: the Service's names, then tls.dnsNames. */}}
{{- define "tenant-proxy.dnsNames" -}}
{{- $svc := include "tenant-proxy.fullname" . -}}
{{- $names := list $svc (printf "%s.%s" $svc .Release.Namespace) (printf "%s.%s.svc" $svc .Release.Namespace) (printf "%s.%s.svc.cluster.local" $svc .Release.Namespace) -}}
{{- concat $names .Values.tls.dnsNames | toJson -}}
{{- end -}}
