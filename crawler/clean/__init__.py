"""Clean: page bytes → Article, pure (no archive, no network, no Scrapy).

decode.py → markup.py → extract.py (density.py, headline.py, captions.py) → lines.py with
the rule table (rules.toml, rules.py) → normalize.py; article.py runs them: clean_page.
"""
