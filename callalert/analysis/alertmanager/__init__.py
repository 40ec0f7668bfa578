"""Alertmanager 0.25 semantics on a plain alertmanager.yml dict. `matchers` is the only matcher
parser and printer in callalert; `routing` builds the route tree on it, `inhibit` and
`timeinterval` read their parts of the config, and `delivery` puts the three together for one alert.
"""
