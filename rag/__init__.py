"""Cited answers over child-safeguarding Serious Case Reviews."""

from rag import offline as _offline  # noqa: F401  (must run before any ML library import)

__version__ = "0.1.0"
