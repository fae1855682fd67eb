"""Publish the archive with Datasette: metadata, plugins and templates ship in this package
(found through it, so a wheel install serves as a checkout does)."""
