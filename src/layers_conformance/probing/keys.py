"""The credentials a run may send, and the ways the suites vary them."""

from __future__ import annotations

from dataclasses import dataclass

from layers_conformance.core.targets import Secret
from layers_conformance.probing.client import Credentials

__all__ = ["Keys"]


@dataclass(frozen=True)
class Keys:
    """The credentials a run may send: the configured one, and the key without scope."""

    configured: Credentials
    without_scope: Credentials | None

    def sent_as(self, scheme: str, key: str | Secret | None = None) -> Credentials:
        """The key (by default the configured one) sent as `scheme`.

        `scheme` is "bearer" or "x-api-key", or "configured" / "other" relative to the target.
        """
        configured = self.configured.scheme
        other = "bearer" if configured == "x-api-key" else "x-api-key"
        chosen = {"configured": configured, "other": other}.get(scheme, scheme)
        secret = self.configured.key if key is None else key
        secret = secret if isinstance(secret, Secret) else Secret(secret)
        return Credentials(chosen, secret)  # type: ignore[arg-type]

    @property
    def extended(self) -> Secret:
        """The configured key with one character more: invalid, and as secret as the key."""
        return Secret(self.configured.key.value + "x")
