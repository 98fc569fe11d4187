"""The reference target: a real server for the endpoint, and the faults that bend it."""

from __future__ import annotations

from layers_conformance.reference.app import reference_app
from layers_conformance.reference.dataset import Dataset, ReferenceFixtures, build_dataset
from layers_conformance.reference.faults import FAULTS, HOSTILE, VARIANTS
from layers_conformance.reference.hooks import Fault
from layers_conformance.reference.serve import serve_in_thread, targets_entry

__all__ = [
    "FAULTS",
    "HOSTILE",
    "VARIANTS",
    "Dataset",
    "Fault",
    "ReferenceFixtures",
    "build_dataset",
    "reference_app",
    "serve_in_thread",
    "targets_entry",
]
