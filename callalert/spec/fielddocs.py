"""What the spec's fields mean, for the JSON Schema editors read and the Markdown reference.

The models in v1.py carry a field's description where it says something callalert-specific; this
table gives every other field its description (mostly Alertmanager's receiver options, which keep
Alertmanager's names and meanings) and every value field its examples, which a YAML language server
offers as completions. `GENERIC` applies to a field name wherever it appears; `BY_MODEL`
("Model.field") wins over it. tests/unit/test_schema_docs.py fails for any property of the schema
without a description, or any value property without examples.
"""

from __future__ import annotations

from typing import Any, NamedTuple


class Doc(NamedTuple):
    description: str | None = None
    examples: tuple[Any, ...] | None = None


_TEMPLATE = "Go template, rendered per notification."
_URL_EX = ("https://example.com/alertmanager",)

GENERIC: dict[str, Doc] = {
    # receiver options shared by many integrations
    "http_config": Doc("HTTP client settings for this integration: authentication, proxy, TLS."),
    "send_resolved": Doc("Notify when the alert resolves too."),
    "title": Doc(f"Title of the message. {_TEMPLATE}", ("[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }}",)),
    "text": Doc(f"Body of the message. {_TEMPLATE}", ("{{ .CommonAnnotations.summary }}",)),
    "message": Doc(f"The message text. {_TEMPLATE}", ("{{ .CommonAnnotations.summary }}",)),
    "api_url": Doc("API endpoint of the service; the default is the service's public API.", _URL_EX),
    "channel": Doc("Channel to post to (`#name`, or a channel id).", ("#alerts",)),
    "username": Doc("Name the message is posted as.", ("alertmanager",)),
    "color": Doc(
        "Colour of the message's side bar: a hex colour or good/warning/danger. Go template.",
        ('{{ if eq .Status "firing" }}danger{{ else }}good{{ end }}', "#d63232"),
    ),
    "title_link": Doc("URL the title links to. Go template.", ("{{ .ExternalURL }}",)),
    "pretext": Doc("Text shown above the attachment. Go template.", ("{{ .CommonLabels.team }}",)),
    "footer": Doc("Footer text. Go template.", ("callalert",)),
    "fallback": Doc(
        "Plain-text summary for clients that cannot show attachments. Go template.",
        ('{{ template "slack.default.fallback" . }}',),
    ),
    "icon_emoji": Doc("Emoji used as the poster's icon.", (":rotating_light:",)),
    "icon_url": Doc("URL of an image used as the poster's icon.", ("https://example.com/alertmanager.png",)),
    "image_url": Doc("URL of an image shown in the message.", ("https://example.com/graph.png",)),
    "thumb_url": Doc("URL of a thumbnail shown in the message.", ("https://example.com/thumb.png",)),
    "author_name": Doc("Author shown on the attachment.", ("Alertmanager",)),
    "author_link": Doc("URL the author name links to.", ("{{ .ExternalURL }}",)),
    "author_icon": Doc("URL of the author's icon.", ("https://example.com/alertmanager.png",)),
    "footer_icon": Doc("URL of the footer's icon.", ("https://example.com/alertmanager.png",)),
    "fields": Doc("Attachment fields, each a title and a value (Go templates)."),
    "short_fields": Doc("Show every field as short (side by side)."),
    "link_names": Doc("Turn @names and #channels in the text into links."),
    "actions": Doc("Buttons shown with the message."),
    "short": Doc("Show this field side by side with the next one."),
    "value": Doc("Value shown for this entry. Go template.", ("{{ .CommonLabels.instance }}",)),
    "description": Doc("What this is for (documentation only).", ("Pages the on-call engineer",)),
    "priority": Doc("Priority of the notification, as the service names them. Go template.", ("P1",)),
    "source": Doc("Where the alert comes from, as the service shows it. Go template.", ("{{ .ExternalURL }}",)),
    "details": Doc("Extra key/value details sent with the notification (values are Go templates)."),
    "timeout": Doc("How long one request to the service may take.", ("10s",)),
    "max_alerts": Doc("Most alerts sent in one notification; 0 sends all.", (0, 100)),
    "url": Doc("URL of the endpoint, or one the message links to.", _URL_EX),
    "api_key": Doc("API key of the service (a secret: `{file: PATH}` or `{env: NAME}`)."),
    "message_type": Doc("Kind of message the service creates.", ("CRITICAL",)),
    "labels": Doc("Labels, name to value.", ({"team": "payments"},)),
    "tls_config": Doc("TLS settings: CA, client certificate and key files, server name."),
    "hello": Doc("Hostname announced to the SMTP server (EHLO).", ("alertmanager.example.com",)),
    "auth_username": Doc("SMTP user name.", ("alertmanager",)),
    "auth_password": Doc("SMTP password (a secret: `{file: PATH}` or `{env: NAME}`); rendered as `auth_password_file`."),
    "auth_identity": Doc("SMTP PLAIN identity (usually empty).", ("",)),
    "require_tls": Doc("Refuse to send when the SMTP server does not offer STARTTLS."),
    "type": Doc("Kind of entry, as the service names it.", ("button",)),
    "name": Doc("Name.", ("default",)),
    "href": Doc("URL.", ("https://example.com/dashboard",)),
    "group_wait": Doc("How long to wait for more alerts of a new group before the first notification.", ("30s", "10s")),
    "group_interval": Doc("How long to wait before notifying about alerts added to a group already notified.", ("5m",)),
    "repeat_interval": Doc("How long to wait before notifying again about an unchanged group.", ("4h", "1h")),
    "matchers": Doc(
        'Alertmanager matchers, e.g. `severity="critical"`, `team=~"db|storage"` (or a `{label: value}` map).',
        (['severity="critical"'], ['team=~"payments|checkout"', 'env!="staging"']),
    ),
}

BY_MODEL: dict[str, Doc] = {
    # the spec itself
    "Spec.name": Doc(examples=("call-automation",)),
    "Spec.defaults": Doc("Grouping and timing defaults, base URLs, external labels and the target versions."),
    "Spec.global": Doc("Alertmanager's `global:` settings (SMTP, API URLs and keys shared by receivers)."),
    "Spec.categories": Doc("Alert categories (e.g. availability, errors), each with the extra receivers it must reach."),
    "Spec.routing": Doc("The root route and, optionally, an explicit route tree."),
    "Spec.inhibit_rules": Doc(
        "Rules that mute alerts while another alert fires (e.g. warnings while a critical one of the same alert fires)."
    ),
    "Spec.silences": Doc("Silences managed as code (`callalert silences apply`, `alertmanager/silences.json`)."),
    "Spec.templates": Doc("Which notification templates are written: the built-in ones and your own files."),
    "Alert.name": Doc(examples=("HighCallErrorRate",)),
    "Alert.expr": Doc(
        examples=('sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m])) > 0.05',)
    ),
    "Alert.for": Doc(examples=("5m",)),
    "Alert.keep_firing_for": Doc(examples=("10m",)),
    "Alert.severity": Doc(examples=("critical", "warning")),
    "Alert.category": Doc(examples=("errors", "availability")),
    "Alert.summary": Doc(examples=("High error rate on {{ $labels.service }}",)),
    "Alert.description": Doc(examples=("The error rate is {{ $value | humanizePercentage }}, above 5% for 5 minutes.",)),
    "Alert.dashboard": Doc(examples=("/d/errors/error-rates", "https://grafana.example.com/d/errors")),
    "Alert.runbook_url": Doc(examples=("https://wiki.example.com/runbooks/HighCallErrorRate",)),
    "Alert.runbook": Doc("The alert's runbook: what it means, how to investigate and mitigate, whom to call."),
    "Category.description": Doc("What alerts of this category are about.", ("Calls failing or integrations erroring",)),
    "Category.notify": Doc(examples=(["email"],)),
    "Severity.description": Doc("What this severity means and who acts on it.", ("Page now: customers are affected",)),
    "Severity.response_time": Doc(examples=("15m", "4h")),
    "Severity.notify": Doc(examples=(["pagerduty", "slack-critical"],)),
    "Defaults.group_by": Doc(examples=(["alertname", "category"], ["alertname", "team", "namespace"])),
    "Defaults.group_wait": Doc("Root route's group_wait: how long to wait for more alerts of a new group.", ("30s",)),
    "Defaults.group_interval": Doc(
        "Root route's group_interval: how long before notifying about new alerts in a group.", ("5m",)
    ),
    "Defaults.repeat_interval": Doc(
        "Root route's repeat_interval: how long before notifying again about an unchanged group.", ("4h",)
    ),
    "Defaults.resolve_timeout": Doc(examples=("5m",)),
    "Defaults.evaluation_interval": Doc(examples=("1m", "30s")),
    "Defaults.dashboard_base_url": Doc(examples=("https://grafana.example.com",)),
    "Defaults.runbook_base_url": Doc(examples=("https://runbooks.example.com/alerting",)),
    "Defaults.targets": Doc("The Prometheus and Alertmanager releases the output must work on."),
    "Defaults.scrape_interval": Doc(examples=("1m", "15s")),
    "Group.query_offset": Doc(examples=("1m",)),
    "Targets.prometheus_features": Doc(examples=(["promql-experimental-functions"],)),
    "Targets.prometheus": Doc(examples=("2.42", "2.53", "3.5")),
    "Targets.alertmanager": Doc(examples=("0.25", "0.28", "0.33")),
    "Group.name": Doc(examples=("call-automation.errors",)),
    "Group.file": Doc(examples=("call-automation", "payments")),
    "Group.interval": Doc(examples=("1m",)),
    "Group.limit": Doc("Most alerts (and series of recording rules) a rule of this group may produce; 0 is no limit.", (0, 100)),
    "Group.alerts": Doc("Alerting rules of this group."),
    # outputs (render --target; docs/targets.md)
    "PrometheusOutput.target": Doc("Plain files for one Prometheus and one Alertmanager (the default target)."),
    "KubernetesOutput.target": Doc("Prometheus Operator objects: PrometheusRule and the Alertmanager configuration."),
    "MimirOutput.target": Doc("Grafana Mimir or Cortex: ruler namespace files and the tenant Alertmanager configuration."),
    "ThanosOutput.target": Doc("Thanos Ruler rule files (with each group's partial_response_strategy)."),
    "KubernetesOutput.rules": Doc("How the rule groups become PrometheusRule objects."),
    "KubernetesOutput.alertmanager": Doc("How the Alertmanager configuration becomes Operator objects."),
    "KubernetesOutput.namespace": Doc(examples=("monitoring",)),
    "KubernetesOutput.team_label": Doc(examples=("team",)),
    "KubernetesAlertmanager.namespace": Doc(examples=("monitoring",)),
    "KubernetesAlertmanager.secret": Doc(examples=("alertmanager-secrets",)),
    "MimirOutput.namespace": Doc(examples=("call-automation",)),
    "MimirOutput.team_label": Doc(examples=("team",)),
    "AlertingOutput.alertmanagers": Doc(examples=(["alertmanager-0:9093", "alertmanager-1:9093", "alertmanager-2:9093"],)),
    "AlertingOutput.path_prefix": Doc(examples=("/alertmanager",)),
    "AlertingOutput.rules_dir": Doc(examples=("rules", "/etc/prometheus/rules")),
    "Record.record": Doc("Name of the series the recording rule writes.", ("job:http_requests:rate5m",)),
    "Record.expr": Doc("PromQL expression whose result is recorded.", ("sum by (job) (rate(http_requests_total[5m]))",)),
    "Record.labels": Doc("Labels added to the recorded series.", ({"team": "payments"},)),
    "Runbook.title": Doc(examples=("Checkout error rate is high",)),
    "Runbook.description": Doc(examples=("Customers cannot pay: the checkout API fails more than 5% of requests.",)),
    "Runbook.investigation": Doc(examples=(["Open the error dashboard", "Check the last deploy"],)),
    "Runbook.mitigation": Doc(examples=(["Roll back the last deploy"],)),
    "Runbook.contacts": Doc("Whom to call, in order.", (["#payments-oncall", "payments-lead@example.com"],)),
    "Runbook.escalation": Doc(examples=("After 30 minutes, page the payments lead",)),
    "Receiver.labels": Doc(examples=({"team": "payments"},)),
    "Receiver.description": Doc(examples=("Pages the payments on-call engineer",)),
    "Receiver.email_configs": Doc("Email notifications."),
    "Receiver.slack_configs": Doc("Slack notifications."),
    "Receiver.pagerduty_configs": Doc("PagerDuty incidents (Events API v2 `routing_key` or v1 `service_key`)."),
    "Receiver.opsgenie_configs": Doc("Opsgenie alerts."),
    "Receiver.victorops_configs": Doc("VictorOps (Splunk On-Call) incidents."),
    "Receiver.pushover_configs": Doc("Pushover notifications."),
    "Receiver.wechat_configs": Doc("WeChat Work messages."),
    # routing
    "Routing.receiver": Doc(examples=("default",)),
    "Routing.group_by": Doc(examples=(["alertname", "category"],)),
    "Route.receiver": Doc(
        "Receiver of the alerts this route takes; inherited from the parent route when omitted.", ("pagerduty",)
    ),
    "Route.continue": Doc("Keep trying the next sibling routes after this one matched (without it the first match wins)."),
    "Route.group_by": Doc(examples=(["alertname", "team"], ["..."])),
    "Route.mute_time_intervals": Doc(
        "Named time intervals during which this route notifies nobody (it still matches).", (["maintenance"],)
    ),
    "Route.active_time_intervals": Doc(
        "Named time intervals outside which this route notifies nobody (it still matches).", (["business-hours"],)
    ),
    "Route.labels": Doc(examples=({"escalation": "tier2"},)),
    "Route.routes": Doc("Child routes, tried in order."),
    "PolicyEntry.notify": Doc(examples=(["pagerduty"], ["pagerduty", "slack-critical"])),
    "PolicyEntry.notify_any": Doc(examples=(["pagerduty", "opsgenie"],)),
    "PolicyEntry.only": Doc(examples=(["slack-warnings"],)),
    "PolicyEntry.never": Doc(examples=(["pagerduty"],)),
    "PolicyEntry.description": Doc("Why the routes must do this (documentation only).", ("Critical alerts page someone",)),
    "InhibitRule.name": Doc(examples=("critical-mutes-warning",)),
    "InhibitRule.source_matchers": Doc("Matchers of the alert that mutes (it must be firing).", (['severity="critical"'],)),
    "InhibitRule.target_matchers": Doc("Matchers of the alerts that are muted.", (['severity="warning"'],)),
    "InhibitRule.equal": Doc(examples=(["alertname", "namespace"],)),
    "InhibitRule.description": Doc(
        "Why the rule exists (written as a comment into alertmanager.yml).", ("A critical alert makes its warning redundant",)
    ),
    "NamedTimeInterval.name": Doc(
        "Name routes use in mute_time_intervals or active_time_intervals.", ("business-hours", "maintenance")
    ),
    "NamedTimeInterval.time_intervals": Doc("The windows; the interval is active when any of them is."),
    "TimeInterval.times": Doc("Times of day (start inclusive, end exclusive); all day when omitted."),
    "TimeInterval.weekdays": Doc("Days of the week, or ranges of them.", (["monday:friday"], ["saturday", "sunday"])),
    "TimeInterval.days_of_month": Doc("Days of the month (negative counts from the end), or ranges.", (["1:7"], ["-1"])),
    "TimeInterval.months": Doc("Months by name or number, or ranges.", (["january:march"], ["12"])),
    "TimeInterval.years": Doc("Years, or ranges.", (["2025:2026"],)),
    "TimeInterval.location": Doc("Time zone of the times (IANA name); UTC when omitted.", ("Europe/Madrid", "UTC")),
    "TimeRange.start_time": Doc("Start, HH:MM (24h).", ("09:00",)),
    "TimeRange.end_time": Doc("End, HH:MM (24h), exclusive; 24:00 is the end of the day.", ("17:00", "24:00")),
    "Silence.matchers": Doc("Matchers of the alerts to silence.", (['alertname="HighCPUUsage"', 'instance="app-server-01"'],)),
    "Silence.starts_at": Doc("When the silence starts, with a time zone.", ("2025-06-01T10:00:00Z",)),
    "Silence.ends_at": Doc("When the silence ends, with a time zone.", ("2025-06-01T12:00:00Z",)),
    "Silence.created_by": Doc("Who asked for the silence.", ("admin",)),
    "Silence.comment": Doc("Why (shown in Alertmanager).", ("Planned maintenance of app-server-01",)),
    "Templates.builtin": Doc(examples=(["slack", "email", "pagerduty"], ["slack"])),
    "Templates.files": Doc(examples=(["templates/team.tmpl"],)),
    # tests
    "RuleTest.name": Doc(examples=("fires after 5 minutes of errors",)),
    "RuleTest.alert": Doc(examples=("HighCallErrorRate",)),
    "RuleTest.interval": Doc(examples=("1m", "30s")),
    "InputSeries.series": Doc(examples=('http_requests_total{status="500"}',)),
    "InputSeries.values": Doc(examples=("0+60x10", "1 1 1 _ 1", "0x15")),
    "RuleExpectation.eval_time": Doc(examples=("10m",)),
    "ExpectedAlert.labels": Doc(examples=({"instance": "app-server-01:9100"},)),
    "ExpectedAlert.annotations": Doc(examples=({"summary": "app-server-01:9100 is down"},)),
    "RoutingTest.name": Doc(examples=("critical errors page and mail",)),
    "RoutingTest.alert": Doc(examples=("HighCallErrorRate",)),
    "RoutingTest.labels": Doc(examples=({"severity": "critical", "category": "errors"},)),
    "RoutingTest.firing": Doc(examples=([{"alertname": "ServiceDown", "severity": "critical"}],)),
    "RoutingTest.at": Doc(examples=("2025-03-14T23:00:00+01:00",)),
    "RoutingTest.receivers": Doc(examples=(["pagerduty", "slack-critical", "email"], [])),
    # secrets
    "SecretRef.file": Doc(examples=("/etc/alertmanager/secrets/pagerduty-key",)),
    "SecretRef.env": Doc(examples=("PAGERDUTY_ROUTING_KEY",)),
    "FileRef.file": Doc(examples=("/etc/alertmanager/secrets/telegram-chat-id",)),
    # HTTP
    "HTTPConfig.basic_auth": Doc("HTTP basic authentication: a user name and a password reference."),
    "HTTPConfig.authorization": Doc("An Authorization header: a type (Bearer by default) and credentials reference."),
    "HTTPConfig.proxy_url": Doc("HTTP proxy to send requests through.", ("http://proxy.example.com:3128",)),
    "HTTPConfig.follow_redirects": Doc("Follow HTTP redirects (Alertmanager's default: true)."),
    "HTTPConfig.enable_http2": Doc("Use HTTP/2 when the server offers it (Alertmanager's default: true)."),
    "BasicAuth.username": Doc("User name for basic authentication.", ("alertmanager",)),
    "Authorization.type": Doc("Authorization scheme.", ("Bearer",)),
    "TLSConfig.ca_file": Doc("CA certificate file to verify the server with.", ("/etc/alertmanager/ca.pem",)),
    "TLSConfig.cert_file": Doc("Client certificate file.", ("/etc/alertmanager/client.pem",)),
    "TLSConfig.key_file": Doc("Client key file.", ("/etc/alertmanager/client-key.pem",)),
    "TLSConfig.server_name": Doc("Server name to verify the certificate against.", ("smtp.example.com",)),
    "TLSConfig.insecure_skip_verify": Doc("Do not verify the server's certificate (never in production)."),
    "TLSConfig.min_version": Doc("Lowest TLS version to accept.", ("TLS12", "TLS13")),
    "TLSConfig.max_version": Doc("Highest TLS version to offer.", ("TLS13", "TLS12")),
    "HTTPConfig.oauth2": Doc("OAuth 2.0 client credentials: the token is fetched from `token_url` and sent as a Bearer token."),
    "OAuth2.client_id": Doc("OAuth 2.0 client id.", ("alertmanager",)),
    "OAuth2.scopes": Doc("Scopes to request with the token.", (["alerts.write"],)),
    "OAuth2.token_url": Doc("URL the token is fetched from.", ("https://auth.example.com/oauth2/token",)),
    "OAuth2.endpoint_params": Doc("Extra parameters sent to the token URL.", ({"audience": "alerts"},)),
    "OAuth2.proxy_url": Doc("HTTP proxy to fetch the token through.", ("http://proxy.example.com:3128",)),
    # Alertmanager's own tracing
    "Tracing.endpoint": Doc(examples=("otel-collector.monitoring:4317",)),
    "Tracing.client_type": Doc("Protocol the spans are sent with: grpc (default) or http."),
    "Tracing.sampling_fraction": Doc("Share of traces kept, from 0 (none) to 1 (all).", (0.1, 1)),
    "Tracing.insecure": Doc("Send to the collector without TLS."),
    "Tracing.compression": Doc(examples=("gzip",)),
    # global
    "Global.smtp": Doc("SMTP settings every email receiver uses unless it sets its own."),
    "Global.slack_api_url": Doc("Slack incoming-webhook URL Slack receivers use unless they set `api_url` (a secret reference)."),
    "Global.slack_app_url": Doc(examples=("https://slack.com/api/chat.postMessage",)),
    "Global.pagerduty_url": Doc("PagerDuty Events API URL.", ("https://events.pagerduty.com/v2/enqueue",)),
    "Global.opsgenie_api_url": Doc("Opsgenie API URL.", ("https://api.opsgenie.com/",)),
    "Global.opsgenie_api_key": Doc("Opsgenie API key (a secret reference)."),
    "Global.wechat_api_url": Doc("WeChat API URL.", ("https://qyapi.weixin.qq.com/cgi-bin/",)),
    "Global.wechat_api_corp_id": Doc("WeChat corporation id.", ("wwd8c7e6f5a4b3c2d1",)),
    "Global.victorops_api_url": Doc("VictorOps API URL.", ("https://alert.victorops.com/integrations/generic/20131114/alert/",)),
    "Global.victorops_api_key": Doc("VictorOps API key (a secret reference)."),
    "Global.telegram_api_url": Doc("Telegram Bot API URL.", ("https://api.telegram.org",)),
    "Global.webex_api_url": Doc("Webex API URL.", ("https://webexapis.com/v1/messages",)),
    "Global.jira_api_url": Doc(examples=("https://example.atlassian.net/rest/api/2",)),
    "Global.rocketchat_api_url": Doc(examples=("https://open.rocket.chat",)),
    "SMTP.smarthost": Doc("SMTP server, host:port.", ("smtp.example.com:587",)),
    "SMTP.from": Doc("Sender address.", ("alertmanager@example.com",)),
    "SMTP.auth_password": Doc("SMTP password (a secret reference); rendered as `smtp_auth_password_file`."),
    # email
    "EmailConfig.to": Doc(examples=("oncall@example.com", "ops@example.com, sre@example.com")),
    "EmailConfig.from": Doc(examples=("alertmanager@example.com",)),
    "EmailConfig.smarthost": Doc(examples=("smtp.example.com:587",)),
    "EmailConfig.html": Doc(examples=('{{ template "email.default.html" . }}',)),
    "EmailConfig.text": Doc(f"Plain-text body. {_TEMPLATE}", ("{{ .CommonAnnotations.description }}",)),
    "EmailConfig.headers": Doc(examples=({"Subject": '{{ template "email.default.subject" . }}'},)),
    "EmailThreading.enabled": Doc("Thread the notifications of one alert group together."),
    "EmailThreading.thread_by_date": Doc(examples=("daily",)),
    # slack
    "SlackConfig.title": Doc(
        examples=('{{ template "slack.default.title" . }}', "[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }}")
    ),
    "SlackConfig.text": Doc(examples=('{{ template "slack.default.text" . }}', "{{ .CommonAnnotations.summary }}")),
    "SlackConfig.app_url": Doc(examples=("https://slack.com/api/chat.postMessage",)),
    "SlackConfig.callback_id": Doc("Callback id of the attachment (for interactive messages). Go template.", ("alertmanager",)),
    "SlackConfig.mrkdwn_in": Doc("Fields in which Slack formats markdown.", (["fallback", "pretext", "text"],)),
    "SlackConfig.message_text": Doc(examples=("{{ .CommonAnnotations.summary }}",)),
    "SlackConfig.update_message": Doc(
        "Update the first message of an alert group instead of posting a new one (Alertmanager ≥ 0.32)."
    ),
    "SlackField.title": Doc("Field title. Go template.", ("Severity",)),
    "SlackField.value": Doc("Field value. Go template.", ("{{ .CommonLabels.severity }}",)),
    "SlackAction.type": Doc("Kind of action.", ("button",)),
    "SlackAction.text": Doc("Button text. Go template.", ("Runbook",)),
    "SlackAction.url": Doc("URL the button opens. Go template.", ("{{ .CommonAnnotations.runbook_url }}",)),
    "SlackAction.style": Doc("Button style.", ("primary", "danger")),
    "SlackAction.name": Doc("Name of the action (interactive messages).", ("ack",)),
    "SlackAction.value": Doc("Value sent back when pressed (interactive messages).", ("ack",)),
    "SlackAction.confirm": Doc("A confirmation dialog before the action runs."),
    "SlackConfirm.text": Doc("Question shown in the dialog.", ("Silence this alert?",)),
    "SlackConfirm.title": Doc("Dialog title.", ("Are you sure?",)),
    "SlackConfirm.ok_text": Doc("Text of the confirming button.", ("Yes",)),
    "SlackConfirm.dismiss_text": Doc("Text of the cancelling button.", ("No",)),
    # pagerduty
    "PagerdutyConfig.url": Doc(examples=("https://events.pagerduty.com/v2/enqueue",)),
    "PagerdutyConfig.client": Doc("Name of the monitoring client shown in PagerDuty. Go template.", ("Alertmanager",)),
    "PagerdutyConfig.client_url": Doc("Link to the monitoring client. Go template.", ("{{ .ExternalURL }}",)),
    "PagerdutyConfig.description": Doc(
        f"Incident description. {_TEMPLATE}", ('{{ template "pagerduty.default.description" . }}',)
    ),
    "PagerdutyConfig.severity": Doc(
        "Incident severity: critical, error, warning or info. Go template.", ("critical", "{{ .CommonLabels.severity }}")
    ),
    "PagerdutyConfig.class": Doc("Class (type) of the event. Go template.", ("availability",)),
    "PagerdutyConfig.component": Doc("Component responsible for the event. Go template.", ("checkout-api",)),
    "PagerdutyConfig.group": Doc("Logical group of components. Go template.", ("payments",)),
    "PagerdutyConfig.images": Doc("Images attached to the incident."),
    "PagerdutyConfig.links": Doc("Links attached to the incident."),
    "PagerdutyImage.src": Doc("Image URL.", ("https://example.com/graph.png",)),
    "PagerdutyImage.alt": Doc("Alternative text.", ("Error rate graph",)),
    "PagerdutyImage.href": Doc("URL the image links to.", ("https://grafana.example.com/d/errors",)),
    "PagerdutyLink.href": Doc("Link URL.", ("{{ .CommonAnnotations.runbook_url }}",)),
    "PagerdutyLink.text": Doc("Link text.", ("Runbook",)),
    # webhook
    "WebhookConfig.url": Doc(examples=("http://127.0.0.1:5001/alerts", {"file": "/etc/alertmanager/secrets/webhook-url"})),
    "WebhookConfig.max_alerts": Doc(examples=(0, 50)),
    "WebhookConfig.timeout": Doc(examples=("10s",)),
    # opsgenie
    "OpsgenieConfig.api_url": Doc(examples=("https://api.opsgenie.com/",)),
    "OpsgenieConfig.message": Doc(
        f"Alert message (up to 130 characters). {_TEMPLATE}", ('{{ template "opsgenie.default.message" . }}',)
    ),
    "OpsgenieConfig.description": Doc(f"Alert description. {_TEMPLATE}", ('{{ template "opsgenie.default.description" . }}',)),
    "OpsgenieConfig.entity": Doc("Entity the alert is about. Go template.", ("{{ .CommonLabels.service }}",)),
    "OpsgenieConfig.responders": Doc("Teams, users, escalations or schedules the alert goes to."),
    "OpsgenieConfig.actions": Doc("Comma-separated custom actions. Go template.", ("restart,rollback",)),
    "OpsgenieConfig.tags": Doc("Comma-separated tags. Go template.", ("payments,{{ .CommonLabels.severity }}",)),
    "OpsgenieConfig.note": Doc("Note added to the alert. Go template.", ("{{ .CommonAnnotations.runbook_url }}",)),
    "OpsgenieConfig.priority": Doc(
        "Priority P1 to P5. Go template.", ("P1", '{{ if eq .CommonLabels.severity "critical" }}P1{{ else }}P3{{ end }}')
    ),
    "OpsgenieConfig.update_alerts": Doc("Update an open alert's message and description instead of leaving it as first sent."),
    "OpsgenieResponder.type": Doc(examples=("team", "user", "escalation", "schedule")),
    "OpsgenieResponder.id": Doc("Responder id (one of id, name, username).", ("4513b7ea-3b91-438f-b7e4-e3e54af9147c",)),
    "OpsgenieResponder.name": Doc("Responder name (one of id, name, username).", ("payments-team",)),
    "OpsgenieResponder.username": Doc("Responder user name (one of id, name, username).", ("oncall@example.com",)),
    # teams, discord, telegram, webex
    "MSTeamsConfig.summary": Doc(examples=("{{ .CommonAnnotations.summary }}",)),
    "DiscordConfig.content": Doc("Message content outside the embed. Go template.", ("{{ .CommonAnnotations.summary }}",)),
    "DiscordConfig.username": Doc(examples=("Alertmanager",)),
    "DiscordConfig.avatar_url": Doc("URL of the poster's avatar.", ("https://example.com/alertmanager.png",)),
    "TelegramConfig.chat_id": Doc(examples=(-1001234567890, {"file": "/etc/alertmanager/secrets/telegram-chat-id"})),
    "TelegramConfig.message_thread_id": Doc("Thread (topic) of a forum chat to post in.", (42,)),
    "TelegramConfig.api_url": Doc(examples=("https://api.telegram.org",)),
    "TelegramConfig.disable_notifications": Doc("Send silently (no sound on the recipients' devices)."),
    "TelegramConfig.parse_mode": Doc("How Telegram formats the message.", ("HTML", "MarkdownV2")),
    "WebexConfig.room_id": Doc(
        "Webex room to post in.", ("Y2lzY29zcGFyazovL3VzL1JPT00vYmJjZWIxYWQtNDNmMS0zYjU4LTkxNDctZjE0YmIwYzRkMTU0",)
    ),
    "WebexConfig.api_url": Doc(examples=("https://webexapis.com/v1/messages",)),
    # victorops, pushover
    "VictorOpsConfig.routing_key": Doc("VictorOps routing key of the team to notify.", ("payments",)),
    "VictorOpsConfig.api_url": Doc(examples=("https://alert.victorops.com/integrations/generic/20131114/alert/",)),
    "VictorOpsConfig.message_type": Doc("CRITICAL, WARNING or INFO. Go template.", ("CRITICAL",)),
    "VictorOpsConfig.entity_display_name": Doc(
        "Summary shown for the incident. Go template.", ('{{ template "victorops.default.entity_display_name" . }}',)
    ),
    "VictorOpsConfig.state_message": Doc(
        "Long description. Go template.", ('{{ template "victorops.default.state_message" . }}',)
    ),
    "VictorOpsConfig.monitoring_tool": Doc("Name of the monitoring tool. Go template.", ("Alertmanager",)),
    "VictorOpsConfig.custom_fields": Doc("Extra fields sent with the incident.", ({"team": "payments"},)),
    "PushoverConfig.user_key": Doc("Recipient's user key (a secret reference)."),
    "PushoverConfig.token": Doc("Application API token (a secret reference)."),
    "PushoverConfig.url": Doc("Supplementary URL shown with the message. Go template.", ("{{ .ExternalURL }}",)),
    "PushoverConfig.url_title": Doc("Title of the supplementary URL. Go template.", ("Alertmanager",)),
    "PushoverConfig.device": Doc(examples=("phone",)),
    "PushoverConfig.sound": Doc("Notification sound.", ("siren",)),
    "PushoverConfig.priority": Doc(
        "Priority -2 to 2 (2 repeats until acknowledged). Go template.",
        ("2", '{{ if eq .Status "firing" }}2{{ else }}0{{ end }}'),
    ),
    "PushoverConfig.retry": Doc("With priority 2: how often Pushover repeats the notification.", ("1m",)),
    "PushoverConfig.expire": Doc("With priority 2: how long Pushover keeps repeating.", ("1h",)),
    "PushoverConfig.ttl": Doc(examples=("1h",)),
    "PushoverConfig.html": Doc("The message is HTML."),
    # sns
    "SNSConfig.api_url": Doc("SNS API URL (default: the region's endpoint).", ("https://sns.eu-west-1.amazonaws.com",)),
    "SNSConfig.sigv4": Doc("AWS Signature Version 4 settings: region, keys, profile or role."),
    "SNSConfig.topic_arn": Doc(
        "SNS topic to publish to (one of topic_arn, phone_number, target_arn).", ("arn:aws:sns:eu-west-1:123456789012:alerts",)
    ),
    "SNSConfig.phone_number": Doc("Phone number to send an SMS to (E.164).", ("+34600000000",)),
    "SNSConfig.target_arn": Doc(
        "Mobile endpoint to publish to.", ("arn:aws:sns:eu-west-1:123456789012:endpoint/APNS/app/1a2b3c",)
    ),
    "SNSConfig.subject": Doc("Subject of the message. Go template.", ('{{ template "sns.default.subject" . }}',)),
    "SNSConfig.message": Doc(examples=('{{ template "sns.default.message" . }}',)),
    "SNSConfig.attributes": Doc("SNS message attributes.", ({"team": "payments"},)),
    "SigV4.region": Doc("AWS region.", ("eu-west-1",)),
    "SigV4.access_key": Doc("AWS access key id (with secret_key).", ("AKIAIOSFODNN7EXAMPLE",)),
    "SigV4.profile": Doc("Named AWS profile to take credentials from.", ("alerting",)),
    "SigV4.role_arn": Doc("IAM role to assume.", ("arn:aws:iam::123456789012:role/alertmanager",)),
    "SigV4.external_id": Doc(examples=("alertmanager",)),
    "SigV4.service_name": Doc(examples=("sns",)),
    # wechat
    "WeChatConfig.api_url": Doc(examples=("https://qyapi.weixin.qq.com/cgi-bin/",)),
    "WeChatConfig.corp_id": Doc("WeChat Work corporation id.", ("wwd8c7e6f5a4b3c2d1",)),
    "WeChatConfig.message_type": Doc("text or markdown.", ("text", "markdown")),
    "WeChatConfig.agent_id": Doc("Application (agent) id.", ("1000002",)),
    "WeChatConfig.to_user": Doc("Users to send to, separated by |; @all for everyone.", ("@all",)),
    "WeChatConfig.to_party": Doc("Departments to send to, separated by |.", ("2",)),
    "WeChatConfig.to_tag": Doc("Tags to send to, separated by |.", ("ops",)),
    # jira
    "JiraConfig.api_url": Doc(examples=("https://example.atlassian.net/rest/api/2",)),
    "JiraConfig.project": Doc("Project key of the issues.", ("OPS",)),
    "JiraConfig.issue_type": Doc("Type of the issues created.", ("Bug", "Incident")),
    "JiraConfig.summary": Doc(examples=('{{ template "jira.default.summary" . }}',)),
    "JiraConfig.description": Doc(examples=('{{ template "jira.default.description" . }}',)),
    "JiraConfig.labels": Doc("Labels set on the issue (Go templates).", (["alertmanager", "{{ .CommonLabels.team }}"],)),
    "JiraConfig.priority": Doc(
        "Issue priority. Go template.", ('{{ if eq .CommonLabels.severity "critical" }}High{{ else }}Medium{{ end }}',)
    ),
    "JiraConfig.reopen_transition": Doc("Transition that reopens a resolved issue when the alert fires again.", ("REOPEN",)),
    "JiraConfig.resolve_transition": Doc("Transition that resolves the issue when the alert resolves.", ("RESOLVE",)),
    "JiraConfig.wont_fix_resolution": Doc("Resolution of issues that are not reopened.", ("Won't Fix",)),
    "JiraConfig.reopen_duration": Doc("How long after resolving an issue is reopened rather than a new one created.", ("24h",)),
    "JiraConfig.fields": Doc(examples=({"customfield_10000": "{{ .CommonLabels.team }}"},)),
    "JiraField.template": Doc("The field's Go template.", ('{{ template "jira.default.summary" . }}',)),
    "JiraField.enable_update": Doc("Update the field on an existing issue when the alert group changes."),
    # rocketchat, mattermost
    "RocketchatConfig.api_url": Doc(examples=("https://open.rocket.chat",)),
    "RocketchatConfig.emoji": Doc("Emoji used as the poster's avatar.", (":rotating_light:",)),
    "RocketchatField.title": Doc("Field title. Go template.", ("Severity",)),
    "RocketchatField.value": Doc("Field value. Go template.", ("{{ .CommonLabels.severity }}",)),
    "RocketchatAction.type": Doc("Kind of action.", ("button",)),
    "RocketchatAction.text": Doc("Button text. Go template.", ("Runbook",)),
    "RocketchatAction.url": Doc("URL the button opens. Go template.", ("{{ .CommonAnnotations.runbook_url }}",)),
    "RocketchatAction.msg": Doc("Message sent to the channel when pressed.", ("ack {{ .GroupKey }}",)),
    "MattermostConfig.type": Doc("Post type.", ("custom_alert",)),
    "MattermostConfig.props": Doc("Post properties (a card shown beside the message)."),
    "MattermostConfig.priority": Doc("Message priority and acknowledgement requests."),
    "MattermostConfig.attachments": Doc("Message attachments."),
    "MattermostProps.card": Doc(
        "Markdown shown in the post's side card. Go template.", ("{{ .CommonAnnotations.description }}",)
    ),
    "MattermostPriority.priority": Doc("urgent, important or standard.", ("urgent",)),
    "MattermostPriority.requested_ack": Doc("Ask recipients to acknowledge the message."),
    "MattermostPriority.persistent_notifications": Doc("Notify recipients repeatedly until they acknowledge (urgent only)."),
    "MattermostField.title": Doc("Field title. Go template.", ("Severity",)),
    "MattermostField.value": Doc("Field value. Go template.", ("{{ .CommonLabels.severity }}",)),
    "IncidentioConfig.url": Doc(examples=("https://api.incident.io/v2/alert_events/http/01ABCDEF",)),
    "IncidentioConfig.max_alerts": Doc(examples=(0, 50)),
    "IncidentioConfig.timeout": Doc(examples=("10s",)),
}


def doc_for(model: str, field: str) -> Doc:
    """The documentation of `model.field` (its alias): the per-model entry, else the generic one."""
    own = BY_MODEL.get(f"{model}.{field}", Doc())
    generic = GENERIC.get(field, Doc())
    return Doc(own.description or generic.description, own.examples if own.examples is not None else generic.examples)


def _is_value(prop: dict[str, Any]) -> bool:
    """A property whose value is a string, number or list of strings (not an enum, a boolean or an object)."""
    parts = prop.get("anyOf") or prop.get("oneOf") or [prop]
    kinds = set()
    for part in parts:
        if "enum" in part or "const" in part:
            return False
        kind = part.get("type")
        if kind == "array" and part.get("items", {}).get("type") == "string":
            kind = "strings"
        kinds.add(kind)
    return bool(kinds & {"string", "integer", "number", "strings"})


def apply(schema: dict[str, Any]) -> dict[str, Any]:
    """Give every property of `schema` (the spec's JSON Schema, `$defs` by model name) its description
    and, for value properties, examples."""
    for model, node in [("Spec", schema), *schema.get("$defs", {}).items()]:
        for name, prop in (node.get("properties") or {}).items():
            doc = doc_for(model, name)
            if not prop.get("description") and doc.description:
                prop["description"] = doc.description
            if "examples" not in prop and doc.examples is not None and _is_value(prop):
                prop["examples"] = list(doc.examples)
    return schema


def is_value_property(prop: dict[str, Any]) -> bool:
    return _is_value(prop)
