"""What Prometheus and Alertmanager do, knowing nothing of the spec: PromQL (`promql`), Go templates
(`gotemplate`), Alertmanager matchers, routing, inhibition, time intervals and delivery
(`alertmanager`), and the versions each feature needs (`versions`).

Modules here import nothing of callalert outside `analysis`, `diagnostics` and `errors`.
"""
