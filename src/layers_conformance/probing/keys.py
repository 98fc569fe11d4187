"""The credentials a run may send, and the ways the suites vary them."""

from __future__ import annotations

from dataclasses import dataclass

from layers_conformance.core.exchange import EXPANSIONS
from layers_conformance.core.targets import Secret
from layers_conformance.probing.client import AS_CONFIGURED, Credentials, KeyForm

__all__ = ["EXTENDED", "KEY_FORMS", "Keys"]

# The key with one character more: invalid, and as secret as the key (it holds it).
EXTENDED = KeyForm("key with a character more", more="x")

BOTH = ("x-api-key", "bearer")
# The near misses of a key header, each with the schemes it is sent in. Closed: no key the
# page knows, UNAUTHENTICATED (a key in another case or one character short is another key,
# as secret as the key: the redactor knows both). Open: a reading may take it as the key:
# RFC 9110 11.1 makes the scheme case-blind and 11.4 allows `1*SP` after it; a lenient
# parser splits on any blank or reads a bare value as the key; HTTP combines a repeated
# header, most frameworks read its first. Blanks around a header's value are no part of it
# (RFC 9110 5.5: h11 will not send them, any parser strips them): not sent.
KEY_FORMS: tuple[tuple[KeyForm, tuple[str, ...]], ...] = (
    (KeyForm("key in another case", change="~~"), BOTH),
    (KeyForm("key cut by its last character", change="%?"), BOTH),
    (KeyForm("header repeated", repeated=True, open=True), BOTH),
    (KeyForm("empty value", template=""), ("bearer",)),
    (KeyForm("scheme in lower case", template="bearer {key}", open=True), ("bearer",)),
    (KeyForm("scheme in upper case", template="BEARER {key}", open=True), ("bearer",)),
    (KeyForm("no scheme", template="{key}", open=True), ("bearer",)),
    (KeyForm("two spaces after the scheme", template="Bearer  {key}", open=True), ("bearer",)),
    (KeyForm("a tab after the scheme", template="Bearer\t{key}", open=True), ("bearer",)),
)


@dataclass(frozen=True)
class Keys:
    """The credentials a run may send: the configured one, and the key without scope."""

    configured: Credentials
    without_scope: Credentials | None

    def sent_as(
        self, scheme: str, key: str | Secret | None = None, form: KeyForm = AS_CONFIGURED
    ) -> Credentials:
        """The key (by default the configured one) sent as `scheme`, written in `form`.

        `scheme` is "bearer" or "x-api-key", or "configured" / "other" relative to the target.
        """
        configured = self.configured.scheme
        other = "bearer" if configured == "x-api-key" else "x-api-key"
        chosen = {"configured": configured, "other": other}.get(scheme, scheme)
        secret = self.configured.key if key is None else key
        secret = secret if isinstance(secret, Secret) else Secret(secret)
        return Credentials(chosen, secret, form)  # type: ignore[arg-type]

    def changes(self, form: KeyForm) -> bool:
        """`form` writes a key other than the configured one, or none at all (a key without a
        letter has no other case: that form would be the key itself, and is not sent)."""
        key = self.configured.key.value
        return not form.change or EXPANSIONS[form.change](key) != key
