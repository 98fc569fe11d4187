"""Faults of the 200 body's shape: items, fields, types and content type."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from starlette.responses import Response

from layers_conformance.reference.hooks import Fault, Json, with_rules
from layers_conformance.reference.model import PageRequest


def _space_separated(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _epoch(epoch: int) -> int:
    return epoch


# The requirements whose checks need a page, whatever they are about: a fault that spoils
# every page is seen by all of them.
NEED_A_PAGE = (
    "ARCH-EMPTY-001",
    "AUTH-APIKEY-001",
    "AUTH-BEARER-001",
    "LIMIT-BOUNDS-001",
    "QUERY-VALIDATION-001",
    "TRAV-PAGING-001",
)


@dataclass(frozen=True)
class ExtraItemField(Fault):
    """Items carry an `archived` field beside the seven documented ones."""

    name = "extra_item_field"
    breaks = ("SHAPE-ITEM-FIELDS-001",)

    def item(self, item: Json) -> Json:
        return {**item, "archived": False}


@dataclass(frozen=True)
class MissingItemField(Fault):
    """Items lack `ageRange`."""

    name = "missing_item_field"
    breaks = ("SHAPE-ITEM-FIELDS-001",)

    def item(self, item: Json) -> Json:
        return {field: value for field, value in item.items() if field != "ageRange"}


@dataclass(frozen=True)
class CreatedAtNotRfc3339(Fault):
    """createdAt is sent as `2026-04-01 14:22:10` (a space, no offset)."""

    name = "created_at_not_rfc3339"
    breaks = ("SHAPE-ITEM-TYPES-001",)
    knobs = with_rules(format_time=_space_separated)


@dataclass(frozen=True)
class CreatedAtEpochInt(Fault):
    """createdAt is sent as epoch seconds, a number."""

    name = "created_at_epoch_int"
    breaks = ("SHAPE-ITEM-TYPES-001",)
    knobs = with_rules(format_time=_epoch)


@dataclass(frozen=True)
class StatusUppercaseInItems(Fault):
    """Items say `READY` where the filter and the page say `ready`."""

    name = "status_uppercase_in_items"
    breaks = ("SHAPE-ITEM-TYPES-001",)
    # No item's status is one of the five as written: no filtered page holds an item of its
    # filter's status, wherever it is read.
    also = ("QUERY-VALIDATION-001", "STATUS-FILTER-001", "STATUS-PARTITION-001", "TRAV-PAGING-001")

    def item(self, item: Json) -> Json:
        return {**item, "status": str(item["status"]).upper()}


@dataclass(frozen=True)
class ThumbnailNotUri(Fault):
    """thumbnailUrl is a bare storage path, not a URI."""

    name = "thumbnail_not_uri"
    breaks = ("SHAPE-ITEM-TYPES-001",)

    def item(self, item: Json) -> Json:
        return {**item, "thumbnailUrl": str(item["thumbnailUrl"]).split("://", 1)[-1]}


@dataclass(frozen=True)
class ThumbnailNullForDrafts(Fault):
    """Draft influencers have `thumbnailUrl: null`."""

    name = "thumbnail_null_for_drafts"
    breaks = ("SHAPE-ITEM-NONNULL-001",)

    def item(self, item: Json) -> Json:
        return {**item, "thumbnailUrl": None} if item["status"] == "draft" else item


@dataclass(frozen=True)
class InfluencerIdWithoutPrefix(Fault):
    """influencerId lacks its `inf_` prefix."""

    name = "influencer_id_without_prefix"
    breaks = ("SHAPE-ID-PREFIX-001",)

    def item(self, item: Json) -> Json:
        return {**item, "influencerId": str(item["influencerId"]).removeprefix("inf_")}


@dataclass(frozen=True)
class NextCursorKeyMissingOnLastPage(Fault):
    """The last page omits `nextCursor` instead of sending null."""

    name = "next_cursor_key_missing_on_last_page"
    breaks = ("SHAPE-PAGE-001",)
    # Every last page lacks nextCursor: the empty project's one page, and every walk's end.
    also = ("ARCH-EMPTY-001", "PAGE-END-001")

    def page(self, body: Json, request: PageRequest) -> Json:
        return body if body["nextCursor"] else {"items": body["items"]}


@dataclass(frozen=True)
class ItemsRenamedData(Fault):
    """The items travel under `data` instead of `items`."""

    name = "items_renamed_data"
    breaks = ("SHAPE-PAGE-001",)
    # No answer is a page: every check that needs one, whatever it is about, sees it.
    also = NEED_A_PAGE

    def page(self, body: Json, request: PageRequest) -> Json:
        return {"data": body["items"], "nextCursor": body["nextCursor"]}


@dataclass(frozen=True)
class ItemsNullWhenEmpty(Fault):
    """An empty page says `items: null` (a nil list serialised)."""

    name = "items_null_when_empty"
    breaks = ("SHAPE-PAGE-001", "ARCH-EMPTY-001")
    # The query space's empty pages say null too.
    also = ("QUERY-VALIDATION-001",)

    def page(self, body: Json, request: PageRequest) -> Json:
        return body if body["items"] else {**body, "items": None}


@dataclass(frozen=True)
class TextPlainContentType(Fault):
    """Every JSON body is labelled `text/plain`."""

    name = "text_plain_content_type"
    breaks = ("SHAPE-CONTENT-TYPE-001",)

    def respond(self, response: Response) -> Response:
        response.headers["content-type"] = "text/plain; charset=utf-8"
        return response


def _rewritten(response: Response, body: bytes, content_type: str | None = None) -> Response:
    """`response` sending `body` instead (its content-length and maybe its type updated)."""
    response.body = body
    response.headers["content-length"] = str(len(body))
    if content_type is not None:
        response.headers["content-type"] = content_type
    return response


@dataclass(frozen=True)
class NanInPages(Fault):
    """Pages carry `"averageAge": NaN`, as Python's json.dumps writes a float nan by default."""

    name = "nan_in_pages"
    breaks = ("SHAPE-JSON-001", "SHAPE-PAGE-001")
    # No page is JSON: every check that needs one, whatever it is about, sees it.
    also = NEED_A_PAGE

    def respond(self, response: Response) -> Response:
        if response.status_code != 200:
            return response
        return _rewritten(response, b'{"averageAge": NaN, ' + bytes(response.body)[1:])


@dataclass(frozen=True)
class Latin1Bodies(Fault):
    """Bodies are sent in ISO-8859-1 (so labelled), and names carry an accented letter."""

    name = "latin1_bodies"
    breaks = ("SHAPE-JSON-001", "SHAPE-PAGE-001")
    # No body with a non-ASCII name is JSON: every check that reads such a page, whatever it
    # is about, sees it.
    # Pages answering a lenient reading of a limit or status are not JSON either.
    also = (
        "AUTH-APIKEY-001",
        "AUTH-BEARER-001",
        "LIMIT-BOUNDS-001",
        "QUERY-VALIDATION-001",
        "TRAV-PAGING-001",
        "LIMIT-INTEGER-001",
        "STATUS-REJECT-001",
    )

    def item(self, item: Json) -> Json:
        return {**item, "name": f"{item['name']} Müller"}

    def respond(self, response: Response) -> Response:
        latin1 = bytes(response.body).decode("utf-8").encode("latin-1")
        return _rewritten(response, latin1, "application/json; charset=iso-8859-1")


@dataclass(frozen=True)
class Utf16Bodies(Fault):
    """Bodies are UTF-16 with a byte order mark, labelled `charset=utf-16`."""

    name = "utf16_bodies"
    breaks = ("SHAPE-JSON-001", "SHAPE-PAGE-001")
    # No body, page or error, is UTF-8 JSON: every check that reads an answer, whatever it is
    # about, sees it.
    also = (
        "ARCH-EMPTY-001",
        "AUTH-APIKEY-001",
        "AUTH-BEARER-001",
        "AUTH-INVALID-001",
        "AUTH-MISSING-001",
        "AUTH-SCOPE-001",
        "CURSOR-INVALID-001",
        "ERR-ENVELOPE-001",
        "ERR-REQID-PREFIX-001",
        "LIMIT-BOUNDS-001",
        "LIMIT-INTEGER-001",
        "LIMIT-RANGE-001",
        "PROJ-FOREIGN-001",
        "PROJ-MALFORMED-001",
        "PROJ-UNKNOWN-001",
        "QUERY-VALIDATION-001",
        "STATUS-REJECT-001",
        "TRAV-PAGING-001",
    )

    def respond(self, response: Response) -> Response:
        utf16 = bytes(response.body).decode("utf-8").encode("utf-16")
        return _rewritten(response, utf16, "application/json; charset=utf-16")


ALL: tuple[Fault, ...] = (
    ExtraItemField(),
    MissingItemField(),
    CreatedAtNotRfc3339(),
    CreatedAtEpochInt(),
    StatusUppercaseInItems(),
    ThumbnailNotUri(),
    ThumbnailNullForDrafts(),
    InfluencerIdWithoutPrefix(),
    NextCursorKeyMissingOnLastPage(),
    ItemsRenamedData(),
    ItemsNullWhenEmpty(),
    TextPlainContentType(),
    NanInPages(),
    Latin1Bodies(),
    Utf16Bodies(),
)
