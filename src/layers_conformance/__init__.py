"""Conformance suite for the Layers endpoint GET /v1/projects/:projectId/influencers."""

from __future__ import annotations

__version__ = "0.1.0"
