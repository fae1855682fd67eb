"""Datasette plugin: a crawl run's per-source counts (`crawl_runs.sources`, JSON) as a small
table — status, what was filed, what failed and why — instead of a 4,000-pixel JSON cell."""

import json

from datasette import hookimpl
from markupsafe import Markup, escape

# (heading, counts summed) per column; keys are runlog.source_counts' (Outcome values and fetch counts).
COLUMNS = (("新", ("new",)), ("转载", ("reprint",)), ("修订", ("revised",)),
           ("失败", ("failed", "empty", "list_errors")), ("拦截", ("blocked",)))


@hookimpl
def render_cell(value, column, table):
    if table != "crawl_runs" or column != "sources" or not isinstance(value, str):
        return None
    try:
        per_source = json.loads(value)
    except ValueError:
        return None
    if not isinstance(per_source, dict):
        return None
    head = "".join(f"<th>{heading}</th>" for heading, _keys in COLUMNS)
    rows = []
    for name, counts in per_source.items():
        cells = "".join(f"<td>{sum(int(counts.get(key, 0) or 0) for key in keys)}</td>" for _heading, keys in COLUMNS)
        reasons = "; ".join(counts.get("reasons") or [])
        rows.append(f"<tr><td>{escape(name)}</td><td>{escape(counts.get('status', ''))}</td>{cells}"
                    f"<td>{escape(reasons)}</td></tr>")
    return Markup(f'<table class="run-sources"><tr><th>来源</th><th>状态</th>{head}<th>原因</th></tr>{"".join(rows)}</table>')
