"""Store: the SQLite archive through sqlite-utils and plain SQL.

schema.py (tables, opening), pages.py (raw pages), articles.py (articles with their search
terms and cluster), crawl_state.py (what crawls know between runs), writer.py (batched
writes), rows.py, lock.py (one writing run at a time).
"""
