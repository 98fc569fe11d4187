"""The keys a run may send, and the near misses of a key header (`probing/keys.py`)."""

from __future__ import annotations

from layers_conformance.core.targets import Secret
from layers_conformance.probing.client import Credentials, KeyForm, request_headers
from layers_conformance.probing.keys import EXTENDED, KEY_FORMS, Keys

KEY = "lk_live_Key_01"


def keys(key: str = KEY) -> Keys:
    return Keys(Credentials("x-api-key", Secret(key)), None)


def test_each_form_is_named_once_and_sent_in_a_header_the_page_shows():
    """Every near miss of the key header has its own name and one or both headers."""
    kinds = [form.kind for form, _ in KEY_FORMS]
    assert len(set(kinds)) == len(kinds)
    assert all(set(schemes) <= {"x-api-key", "bearer"} and schemes for _, schemes in KEY_FORMS)


def test_another_key_is_closed_and_a_spelling_of_the_header_open():
    """The key in another case or cut short, and an empty value, are no key (closed); the
    scheme's case, blanks after it, no scheme and a repeated header may read as the key."""
    by_kind = {form.kind: form for form, _ in KEY_FORMS}
    closed = {"key in another case", "key cut by its last character", "empty value"}
    assert {kind for kind, form in by_kind.items() if not form.open} == closed


def test_the_forms_write_what_their_names_say():
    """Each form's header as sent, from the key."""
    sent = {
        form.kind: request_headers(keys().sent_as(schemes[-1], form=form))
        for form, schemes in KEY_FORMS
    }
    assert sent["key in another case"]["Authorization"] == f"Bearer {KEY.swapcase()}"
    assert sent["key cut by its last character"]["Authorization"] == f"Bearer {KEY[:-1]}"
    assert sent["scheme in lower case"]["Authorization"] == f"bearer {KEY}"
    assert sent["no scheme"]["Authorization"] == KEY
    assert sent["empty value"]["Authorization"] == ""
    assert sent["header repeated"]["authorization"] == sent["header repeated"]["Authorization"]


def test_a_key_without_a_letter_has_no_other_case():
    """A form that would write the key itself is not sent: it is no near miss of the key."""
    swapped, cut = KeyForm(change="~~"), KeyForm(change="%?")
    assert keys().changes(swapped)
    assert keys().changes(cut)
    assert not keys("0123456789").changes(swapped)
    assert keys("0123456789").changes(cut)
    assert keys().changes(KeyForm(template="bearer {key}"))


def test_the_key_with_a_character_more_is_recorded_as_the_key_and_that_character():
    """`${NAME}x`, not `$NAMEx`: pasted, the curl line sends the key and an x, not another
    (unset) variable."""
    credentials = keys().sent_as("x-api-key", form=EXTENDED)
    assert request_headers(credentials)["X-Api-Key"] == KEY + "x"
    shown = request_headers(credentials, {KEY: "$LAYERS_API_KEY"}.get)  # type: ignore[arg-type]
    assert shown["X-Api-Key"] == "${LAYERS_API_KEY}x"
