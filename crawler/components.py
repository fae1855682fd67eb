"""Shared piece of the Scrapy components (pipeline, extension, middleware)."""

from __future__ import annotations

from scrapy.exceptions import NotConfigured


def required_setting(crawler, name: str) -> str:
    """A component's setting; without it the component switches itself off (NotConfigured)."""
    value = crawler.settings.get(name)
    if not value:
        raise NotConfigured(f"{name} is not set")
    return value
