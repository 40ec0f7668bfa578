"""`callalert check`: render a spec and prove the output with the real promtool and amtool.

run.py runs the steps (steps.py) on sample data (render/samples.py) and the spec's routing tests
(routing_tests.py); report.py shows them (progress, summary table, JUnit).
"""
