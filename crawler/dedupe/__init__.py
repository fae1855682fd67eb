"""Dedupe: one article per story.

exact.py     the same body (whitespace and punctuation aside) is the same article
minhash.py   signatures of bodies, pure: near-duplicates share bands of them
clusters.py  reprints (转载) across sites grouped into clusters, in SQL
rebuild.py   `newsarchive dedupe --rebuild`: every signature and cluster again
"""
