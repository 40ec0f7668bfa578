"""`callalert import`: existing rule files, alertmanager.yml and templates (plain, in Kubernetes
objects, Helm values or Mimir/Cortex files) → a spec, proven equivalent with `--verify`.

read.py unpacks the inputs; tools.py asks promtool and amtool for their verdict (and the versions
the spec targets); rules.py, alertmanager.py, operator.py and templates.py build the spec;
secrets.py moves secrets out of it; emit.py writes it; verify.py proves it. docs/import.md
lists every construct and how it maps.
"""

from callalert.importer.result import ImportOptions, ImportResult
from callalert.importer.run import run_import

__all__ = ["ImportOptions", "ImportResult", "run_import"]
