"""A deterministic dataset for the reference server: orgs, projects, keys and influencers."""

from __future__ import annotations

import itertools
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

STATUSES = ("draft", "pending", "training", "ready", "failed")
WRITE_SCOPE = "influencers:write"
DEFAULT_KEY = "lc_ref_key_full"
DEFAULT_KEY_WITHOUT_SCOPE = "lc_ref_key_noscope"
NEWEST = 1_775_053_330  # 2026-04-01T14:22:10Z, the page's example createdAt
ARCHIVED_SHARE = 0.15
STRADDLED_LIMITS = (7, 25)
_FIRST = ("Ava", "Noah", "Mia", "Liam", "Zoe", "Kai", "Ines", "Omar", "Lena", "Yuki", "Sam")
_LAST = ("Chen", "Okafor", "Silva", "Novak", "Haddad", "Kim", "Moreau", "Patel", "Berg")
_GENDERS = ("female", "male", "non-binary")
_AGES = ("18-24", "25-34", "35-44", "45-54", "55-64")


class Influencer(NamedTuple):
    """One stored influencer row, live or archived."""

    influencer_id: str
    project_id: str
    name: str
    gender: str
    age_range: str
    status: str
    thumbnail_url: str
    created_at: int
    archived: bool


class Project(NamedTuple):
    """A project and the org that owns it."""

    project_id: str
    org_id: str


class ApiKey(NamedTuple):
    """An API key, its org and its scopes (space separated)."""

    key: str
    org_id: str
    scopes: str


@dataclass(frozen=True)
class ReferenceFixtures:
    """What a targets.yaml entry needs to know about the dataset."""

    project_id: str
    empty_project_id: str
    foreign_project_id: str
    key: str
    key_without_scope: str
    archived_influencer_ids: tuple[str, ...]


@dataclass(frozen=True)
class MainLayout:
    """The main project's live list: tie group sizes and their times, newest first."""

    project_id: str
    groups: tuple[int, ...]
    times: tuple[int, ...]
    seed: str  # of the live rows' own random stream


@dataclass(frozen=True)
class Dataset:
    """Everything the store holds, plus the secret that signs cursors.

    The main project's live rows are generated afresh each time `influencers` is read, in
    listing order: a million of them would hold a gigabyte as a tuple, and the store reads
    them once.
    """

    fixtures: ReferenceFixtures
    projects: tuple[Project, ...]
    keys: tuple[ApiKey, ...]
    layout: MainLayout
    stored: tuple[Influencer, ...]  # the main project's archived rows, the other projects'
    secret: bytes

    @property
    def influencers(self) -> Iterator[Influencer]:
        """Every row: the main project's live ones (newest first), then the stored ones."""
        yield from _live_rows(self.layout)
        yield from self.stored

    def live(self, project_id: str, status: str | None = None) -> list[Influencer]:
        """The project's live influencers in listing order (createdAt, then id, descending)."""
        rows = [
            row
            for row in self.influencers
            if row.project_id == project_id and not row.archived and status in (None, row.status)
        ]
        return sorted(rows, key=lambda row: (row.created_at, row.influencer_id), reverse=True)


def build_dataset(
    size: int = 160,
    *,
    seed: int = 0,
    key: str = DEFAULT_KEY,
    key_without_scope: str = DEFAULT_KEY_WITHOUT_SCOPE,
) -> Dataset:
    """The dataset: a main project of `size` live influencers and its companions."""
    rng = random.Random(seed)
    main, empty, side, foreign = (_uuid(rng) for _ in range(4))
    groups = _tie_groups(rng, size)
    times = _group_times(rng, len(groups))
    layout = MainLayout(main, tuple(groups), tuple(times), f"{seed}-live")
    # Each part has its own random stream, so the live rows can be generated again alone.
    archived = _archived_among(random.Random(f"{seed}-archived"), main, groups, times)
    others = random.Random(f"{seed}-others")
    companions = _archived_only(others, empty, 5) + _plain(others, side, 9)
    companions += _plain(others, foreign, 12)
    fixtures = ReferenceFixtures(
        project_id=main,
        empty_project_id=empty,
        foreign_project_id=foreign,
        key=key,
        key_without_scope=key_without_scope,
        archived_influencer_ids=tuple(row.influencer_id for row in archived),
    )
    projects = (Project(main, "org_a"), Project(empty, "org_a"), Project(side, "org_a"))
    keys = (
        ApiKey(key, "org_a", f"influencers:read {WRITE_SCOPE}"),
        ApiKey(key_without_scope, "org_a", "influencers:read"),
        ApiKey(f"{key}_org_b", "org_b", WRITE_SCOPE),
    )
    secret = rng.getrandbits(256).to_bytes(32, "big")
    stored = tuple(archived + companions)
    return Dataset(fixtures, (*projects, Project(foreign, "org_b")), keys, layout, stored, secret)


def new_influencer(rng: random.Random, project_id: str, created_at: int) -> Influencer:
    """A live influencer just created in the project: a draft, as every new one starts."""
    return _Maker(project_id)(rng, created_at)._replace(status=STATUSES[0])


def _live_rows(layout: MainLayout) -> Iterator[Influencer]:
    """The main project's live rows in listing order: by time, then by id, descending."""
    rng = random.Random(layout.seed)
    make = _Maker(layout.project_id)
    for width, when in zip(layout.groups, layout.times, strict=True):
        if width == 1:
            yield make(rng, when)
        else:
            yield from sorted((make(rng, when) for _ in range(width)), reverse=True)


def _tie_groups(rng: random.Random, size: int) -> list[int]:
    """Sizes of consecutive createdAt groups, ties of 2-6 straddling chosen page boundaries."""
    groups: list[int] = []
    position = 0
    for boundary in _straddled_boundaries(size):
        width = rng.randint(2, 6)
        start = boundary - rng.randint(1, width - 1)
        if start < position or start + width > size:
            continue
        groups += [1] * (start - position) + [width]
        position = start + width
    return groups + [1] * (size - position)


def _straddled_boundaries(size: int) -> list[int]:
    # Every boundary at limit 25 and every other one at limit 7: the even ones at 7 stay
    # untied, so the archived rows placed there sit exactly between two pages.
    at_25 = set(range(25, size, 25))
    at_7 = {b for b in range(7, size, 7) if (b // 7) % 2 == 1}
    return sorted(at_25 | at_7)


def _group_times(rng: random.Random, count: int) -> list[int]:
    times, now = [], NEWEST
    for _ in range(count):
        times.append(now)
        now -= rng.randint(2, 5_400)
    return times


def _archived_among(
    rng: random.Random, project_id: str, groups: list[int], times: list[int]
) -> list[Influencer]:
    """Archived rows: about 15%, half inside tie groups, half between two live neighbours."""
    ties = [times[index] for index, width in enumerate(groups) if width > 1]
    gaps = [(newer + older) // 2 for newer, older in itertools.pairwise(times)]
    wanted = max(3, round(sum(groups) * ARCHIVED_SHARE))
    make = _Maker(project_id, archived=True)
    rows = [make(rng, when) for when in _alternate(rng, ties, gaps, wanted)]
    return sorted(rows, key=lambda row: (row.created_at, row.influencer_id), reverse=True)


def _alternate(rng: random.Random, ties: list[int], gaps: list[int], wanted: int) -> list[int]:
    pools = [pool for pool in (ties, gaps) if pool]
    return [rng.choice(pools[index % len(pools)]) for index in range(wanted)] if pools else []


def _archived_only(rng: random.Random, project_id: str, count: int) -> list[Influencer]:
    make = _Maker(project_id, archived=True)
    return [make(rng, NEWEST - n * 60) for n in range(count)]


def _plain(rng: random.Random, project_id: str, count: int) -> list[Influencer]:
    make = _Maker(project_id)
    return [make(rng, NEWEST - n * 97) for n in range(count)]


class _Maker:
    """Makes one project's rows: two random draws a row, so a million take seconds."""

    def __init__(self, project_id: str, *, archived: bool = False) -> None:
        self.project_id, self.archived = project_id, archived
        self.media = f"https://media.layers.com/{project_id[:8]}/"

    def __call__(self, rng: random.Random, created_at: int) -> Influencer:
        ident = _ulid(rng)
        pick = rng.getrandbits(32)
        pick, first = divmod(pick, len(_FIRST))
        pick, last = divmod(pick, len(_LAST))
        pick, gender = divmod(pick, len(_GENDERS))
        pick, age = divmod(pick, len(_AGES))
        return Influencer(  # by position: a keyword call costs twice as much
            f"inf_{ident}",
            self.project_id,
            f"{_FIRST[first]} {_LAST[last]}",
            _GENDERS[gender],
            _AGES[age],
            STATUSES[pick % len(STATUSES)],
            f"{self.media}{ident.lower()}-thumb.jpg",
            created_at,
            self.archived,
        )


def _ulid(rng: random.Random) -> str:
    # Random rather than time-ordered on purpose: id order then says nothing about
    # createdAt order, so a server sorting by id is caught. 26 characters, like a ULID
    # (hexadecimal digits are Crockford base32 digits too).
    return f"{rng.getrandbits(104):026X}"


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))
