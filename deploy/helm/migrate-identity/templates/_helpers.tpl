{{- define "migrate-identity.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "migrate-identity.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "migrate-identity.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "migrate-identity.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "migrate-identity.selectorLabels" -}}
app.kubernetes.io/name: {{ include "migrate-identity.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Labels of one component: (dict "root" $ "component" "worker") */}}
{{- define "migrate-identity.componentLabels" -}}
{{ include "migrate-identity.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "migrate-identity.componentSelectorLabels" -}}
{{ include "migrate-identity.selectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "migrate-identity.workerServiceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "migrate-identity.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "migrate-identity.botServiceAccountName" -}}
{{- if .Values.bot.serviceAccount.create }}
{{- default (printf "%s-bot" (include "migrate-identity.fullname" .)) .Values.bot.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.bot.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "migrate-identity.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{/* A file value given as a mapping or as the file's text. */}}
{{- define "migrate-identity.fileText" -}}
{{- if kindIs "string" . }}{{ trimAll "\n" . }}{{ else }}{{ toYaml . }}{{ end }}
{{- end }}

{{- define "migrate-identity.hasFile" -}}
{{- if kindIs "string" . }}{{ if trim . }}true{{ end }}{{ else if . }}true{{ end }}
{{- end }}

{{/* The fleet file's mode: sandbox unless the fleet says aws. */}}
{{- define "migrate-identity.fleetMode" -}}
{{- $fleet := .Values.fleet }}
{{- if kindIs "string" $fleet }}{{ $fleet = fromYaml $fleet }}{{ end }}
{{- (get ($fleet | default dict) "mode") | default "sandbox" }}
{{- end }}

{{- define "migrate-identity.slackEnabled" -}}
{{- if .Values.slack.existingSecret }}true{{ end }}
{{- end }}

{{- define "migrate-identity.socketMode" -}}
{{- if and .Values.slack.existingSecret .Values.slack.appTokenKey }}true{{ end }}
{{- end }}

{{- define "migrate-identity.configDir" -}}/etc/migrate-identity{{- end }}
{{- define "migrate-identity.temporalTlsDir" -}}/etc/migrate-identity/temporal-tls{{- end }}

{{/*
The environment src/config/index.ts reads, for the worker and the bot alike. Secrets are
referenced, never copied into the release.
*/}}
{{- define "migrate-identity.env" -}}
{{- $v := .Values -}}
- name: TEMPORAL_ADDRESS
  value: {{ $v.temporal.address | quote }}
- name: TEMPORAL_NAMESPACE
  value: {{ $v.temporal.namespace | quote }}
- name: TEMPORAL_TASK_QUEUE
  value: {{ $v.temporal.taskQueue | quote }}
- name: TEMPORAL_UI_URL
  value: {{ $v.temporal.uiUrl | quote }}
{{- if $v.temporal.tls.enabled }}
- name: TEMPORAL_TLS
  value: "true"
- name: TEMPORAL_TLS_CLIENT_CERT_PATH
  value: {{ printf "%s/%s" (include "migrate-identity.temporalTlsDir" .) $v.temporal.tls.certKey | quote }}
- name: TEMPORAL_TLS_CLIENT_KEY_PATH
  value: {{ printf "%s/%s" (include "migrate-identity.temporalTlsDir" .) $v.temporal.tls.keyKey | quote }}
{{- if $v.temporal.tls.caKey }}
- name: TEMPORAL_TLS_SERVER_CA_CERT_PATH
  value: {{ printf "%s/%s" (include "migrate-identity.temporalTlsDir" .) $v.temporal.tls.caKey | quote }}
{{- end }}
{{- if $v.temporal.tls.serverName }}
- name: TEMPORAL_TLS_SERVER_NAME
  value: {{ $v.temporal.tls.serverName | quote }}
{{- end }}
{{- end }}
{{- if $v.temporal.apiKey.existingSecret }}
- name: TEMPORAL_API_KEY
  valueFrom:
    secretKeyRef:
      name: {{ $v.temporal.apiKey.existingSecret | quote }}
      key: {{ $v.temporal.apiKey.key | quote }}
{{- end }}
- name: MIGRATE_IDENTITY_DATA_DIR
  value: /data
- name: MIGRATE_IDENTITY_LOG_LEVEL
  value: {{ $v.logLevel | quote }}
- name: MIGRATE_IDENTITY_SCAN_INTERVAL
  value: {{ $v.scan.interval | quote }}
{{- if include "migrate-identity.hasFile" $v.fleet }}
- name: MIGRATE_IDENTITY_FLEET_FILE
  value: {{ printf "%s/fleet.yaml" (include "migrate-identity.configDir" .) | quote }}
{{- end }}
{{- if include "migrate-identity.hasFile" $v.accessPolicy }}
- name: MIGRATE_IDENTITY_ACCESS_POLICY
  value: {{ printf "%s/access-policy.yaml" (include "migrate-identity.configDir" .) | quote }}
{{- end }}
{{- if include "migrate-identity.slackEnabled" . }}
- name: SLACK_BOT_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ $v.slack.existingSecret | quote }}
      key: {{ $v.slack.botTokenKey | quote }}
{{- if $v.slack.appTokenKey }}
- name: SLACK_APP_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ $v.slack.existingSecret | quote }}
      key: {{ $v.slack.appTokenKey | quote }}
{{- end }}
{{- if $v.slack.signingSecretKey }}
- name: SLACK_SIGNING_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ $v.slack.existingSecret | quote }}
      key: {{ $v.slack.signingSecretKey | quote }}
{{- end }}
- name: SLACK_PORT
  value: {{ $v.slack.port | quote }}
{{- with $v.scan.driftChannel }}
- name: SLACK_DRIFT_CHANNEL
  value: {{ . | quote }}
{{- end }}
{{- with $v.slack.apiUrl }}
- name: SLACK_API_URL
  value: {{ . | quote }}
{{- end }}
{{- with $v.slack.allowedTeamId }}
- name: SLACK_ALLOWED_TEAM_ID
  value: {{ . | quote }}
{{- end }}
{{- with $v.slack.allowedAppId }}
- name: SLACK_ALLOWED_APP_ID
  value: {{ . | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/* Volumes both components mount: (dict "root" $ "extra" .Values.worker.extraVolumes) */}}
{{- define "migrate-identity.volumes" -}}
{{- $v := .root.Values -}}
- name: config
  configMap:
    name: {{ include "migrate-identity.fullname" .root }}
# The root filesystem is read-only: tsx's compile cache, and the sandbox fleet's state.
- name: tmp
  emptyDir: {}
- name: data
  emptyDir: {}
{{- if $v.temporal.tls.enabled }}
- name: temporal-tls
  secret:
    secretName: {{ $v.temporal.tls.existingSecret | quote }}
    defaultMode: 0440
{{- end }}
{{- with .extra }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "migrate-identity.volumeMounts" -}}
{{- $v := .root.Values -}}
- name: config
  mountPath: {{ include "migrate-identity.configDir" .root }}
  readOnly: true
- name: tmp
  mountPath: /tmp
- name: data
  mountPath: /data
{{- if $v.temporal.tls.enabled }}
- name: temporal-tls
  mountPath: {{ include "migrate-identity.temporalTlsDir" .root }}
  readOnly: true
{{- end }}
{{- with .extra }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* The fleet file's `accessPolicy` (a path), or empty. */}}
{{- define "migrate-identity.fleetAccessPolicy" -}}
{{- $fleet := .Values.fleet }}
{{- if kindIs "string" $fleet }}{{ $fleet = fromYaml $fleet }}{{ end }}
{{- (get ($fleet | default dict) "accessPolicy") | default "" }}
{{- end }}

{{/* The cross-value rules the schema cannot express: they read the fleet file, or name a value's replacement. */}}
{{- define "migrate-identity.validate" -}}
{{- if and (gt (int .Values.worker.replicas) 1) (ne (include "migrate-identity.fleetMode" .) "aws") }}
{{- fail "worker.replicas > 1 needs an aws fleet: the sandbox fleet's state lives in one pod" }}
{{- end }}
{{- range $old := list "approvers" "allowedStarters" }}
{{- if get $.Values.slack $old }}
{{- fail (printf "slack.%s is no longer read: who may start and approve is set in the access policy file; give it as the accessPolicy value (see access-policy.example.yaml) and remove slack.%s" $old $old) }}
{{- end }}
{{- end }}
{{- $named := include "migrate-identity.fleetAccessPolicy" . }}
{{- if and $named (not (hasPrefix "/" $named)) (not (include "migrate-identity.hasFile" .Values.accessPolicy)) }}
{{- fail (printf "the fleet file names an access policy (accessPolicy: %s), but the chart's accessPolicy value is empty: give the file's contents there (--set-file accessPolicy=%s)" $named (base $named)) }}
{{- end }}
{{- end }}
