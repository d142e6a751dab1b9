"""The published figures a reproduction must meet, loaded from ``report_targets.yaml``.

The file (``data/reference/report_targets.yaml``, copied from the shared reference) records, for
the report "Key Leadership Actions for Innovation" (Munro, 2016):

- ``councils``: the case studies in the report's order, each with ``id``, ``name`` and ``type``;
- ``codes``: per code of the code frame, the report's ``statement``, the target ``count``
  (``{min, max}``), the councils the text ``named`` for it and the reconstructed ``members``
  (council -> basis, or ``{basis, why}``);
- ``appendix_two``: the report's Appendix Two, grouped by council type, each item with the
  codes it is coded with.

:func:`load_targets` reads and validates the whole file once, reporting every problem with its
line, and returns a frozen :class:`ReportTargets`. Nothing downstream re-checks it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd
import yaml

from ..._yaml import KEY, Lines, error_place, load_with_lines
from ...errors import FindingsError, Problem, problem

__all__ = [
    "AppendixGroup",
    "AppendixItem",
    "CodeTarget",
    "Council",
    "CountTarget",
    "Member",
    "ReportTargets",
    "load_targets",
]

#: The bases a member cell may have (see the file's header comment).
MEMBER_BASES: tuple[str, ...] = ("stated", "named", "appendix", "inferred")


@dataclass(frozen=True)
class Council:
    """One case study: ``id`` (the case), ``name`` as the report spells it, ``type``."""

    id: str
    name: str
    type: str


@dataclass(frozen=True)
class CountTarget:
    """How many councils the report says take an action: ``min <= n <= max``."""

    min: int
    max: int

    @property
    def exact(self) -> bool:
        """True when the report gives one number (``min == max``)."""
        return self.min == self.max

    def met_by(self, n: int) -> bool:
        """Return whether ``n`` councils meet this target."""
        return self.min <= n <= self.max

    def __str__(self) -> str:
        return str(self.min) if self.exact else f"{self.min}–{self.max}"


@dataclass(frozen=True)
class Member:
    """One cell of the reconstructed membership: a council taking a code, and why."""

    council: str
    basis: str
    why: str = ""


@dataclass(frozen=True)
class CodeTarget:
    """The report's figures for one code.

    Attributes
    ----------
    code : str
        The code id.
    statement : str
        The report's words that give the count.
    count : CountTarget
        The target number of councils.
    named : tuple of str
        Councils the report names for this action; a reproduction must include each.
    members : tuple of Member
        The reconstructed membership, in the report's council order.
    notes : str
        Any note on how the target was read.
    """

    code: str
    statement: str
    count: CountTarget
    named: tuple[str, ...]
    members: tuple[Member, ...]
    notes: str = ""

    @property
    def member_ids(self) -> tuple[str, ...]:
        """The member councils' ids, in the report's council order."""
        return tuple(m.council for m in self.members)


@dataclass(frozen=True)
class AppendixItem:
    """One published Appendix Two item of a council, with the code(s) it is coded with."""

    council: str
    item: str
    codes: tuple[str, ...]


@dataclass(frozen=True)
class AppendixGroup:
    """A group of Appendix Two (e.g. ``COUNTY COUNCILS``) and its councils' items."""

    type: str
    heading: str
    councils: tuple[str, ...]
    items: tuple[AppendixItem, ...]


@dataclass(frozen=True)
class ReportTargets:
    """Everything ``report_targets.yaml`` publishes, validated.

    Attributes
    ----------
    path : str
        The file it was read from.
    source : Mapping
        Title, author, date of the report.
    councils : tuple of Council
        The case studies, in the report's order.
    chart_title, chart_unit : str
        The report chart's title and what its bars count.
    codes : Mapping[str, CodeTarget]
        Per code id, in the file's order.
    appendix_title : str
        The title of Appendix Two.
    groups : tuple of AppendixGroup
        Appendix Two, as the report groups it.
    notes : tuple of str
        The file's closing notes.
    """

    path: str
    source: Mapping[str, Any]
    councils: tuple[Council, ...]
    chart_title: str
    chart_unit: str
    codes: Mapping[str, CodeTarget]
    appendix_title: str
    groups: tuple[AppendixGroup, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def council_ids(self) -> tuple[str, ...]:
        """Council ids in the report's order."""
        return tuple(c.id for c in self.councils)

    @property
    def council_names(self) -> dict[str, str]:
        """Council id -> the name the report uses."""
        return {c.id: c.name for c in self.councils}

    def items(self, council: str) -> tuple[AppendixItem, ...]:
        """The published Appendix Two items of ``council``, in the report's order."""
        return tuple(i for g in self.groups for i in g.items if i.council == council)

    def key_actions(self, council: str) -> frozenset[str]:
        """The codes of ``council``'s Appendix Two items (its published key actions)."""
        return frozenset(c for i in self.items(council) for c in i.codes)

    def members_matrix(self, codes: Sequence[str] | None = None) -> pd.DataFrame:
        """The reconstructed membership as a 0/1 matrix.

        Parameters
        ----------
        codes : sequence of str, optional
            Column order (e.g. the codebook's ids); default the file's order.

        Returns
        -------
        DataFrame
            Index ``case`` (the councils, report order), columns ``code``, values int 0/1.
        """
        codes = list(codes) if codes is not None else list(self.codes)
        data = {
            code: [int(c in (self.codes[code].member_ids if code in self.codes else ())) for c in self.council_ids]
            for code in codes
        }
        out = pd.DataFrame(data, index=pd.Index(self.council_ids, name="case"), dtype="int64")
        out.columns.name = "code"
        return out

    def case_attributes(self) -> pd.DataFrame:
        """Council id -> ``council_name``, ``council_type`` (as the transcripts' front matter)."""
        return pd.DataFrame(
            {"council_name": [c.name for c in self.councils], "council_type": [c.type for c in self.councils]},
            index=pd.Index(self.council_ids, name="case"),
        )


def load_targets(
    path: str | os.PathLike[str] = "data/reference/report_targets.yaml",
    *,
    codes: Iterable[str] | None = None,
) -> ReportTargets:
    """Read and validate the report's targets.

    Parameters
    ----------
    path : path-like
        The ``report_targets.yaml`` file.
    codes : iterable of str, optional
        The codebook's ids; if given, every code named in the file must be one of them.

    Returns
    -------
    ReportTargets

    Raises
    ------
    FindingsError
        Listing every problem at once: file missing (E501), bad YAML (E502), wrong shapes
        (E503), unknown councils (E504) or codes (E505), impossible counts (E506), a council
        without Appendix Two items (E515), duplicates (E516).

    Examples
    --------
    >>> t = load_targets("data/reference/report_targets.yaml")  # doctest: +SKIP
    >>> t.codes["move_with_pace"].count.min  # doctest: +SKIP
    6
    """
    p = Path(path)
    where = str(p)
    if not p.is_file():
        raise FindingsError(problem("E501", path=where))
    try:
        raw, lines = load_with_lines(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        line, _ = error_place(exc)
        raise FindingsError(problem("E502", path=where, line=line, error=str(exc).splitlines()[0])) from exc
    if not isinstance(raw, dict):
        raise FindingsError(problem("E503", path=where, expected="a mapping with councils, codes, appendix_two", found=type(raw).__name__))
    r = _TargetsReader(where, lines, None if codes is None else list(codes))
    councils = r.councils(raw.get("councils"))
    chart = raw.get("chart") or {}
    if not isinstance(chart, dict):
        r.bad("chart", "a mapping {title, unit}", chart, (), "chart")
        chart = {}
    targets = r.code_targets(raw.get("codes"), councils)
    app, groups = r.appendix(raw.get("appendix_two"), councils)
    notes_raw = raw.get("notes", []) or []
    if r.problems:
        raise FindingsError(r.problems)
    return ReportTargets(
        path=where,
        source=MappingProxyType(dict(raw.get("source") or {})),
        councils=tuple(councils),
        chart_title=str(chart.get("title", "") or ""),
        chart_unit=str(chart.get("unit", "") or ""),
        codes=MappingProxyType(targets),
        appendix_title=str(app.get("title", "") or "Appendix Two"),
        groups=tuple(groups),
        notes=tuple(str(n).strip() for n in notes_raw) if isinstance(notes_raw, list) else (),
    )


class _TargetsReader:
    """The checks of one targets file, each problem collected with its line."""

    def __init__(self, where: str, lines: Lines, known_codes: list[str] | None):
        self.where, self.lines, self.known_codes = where, lines, known_codes
        self.problems: list[Problem] = []
        self.seen: set[str] = set()
        self.known_councils = ""

    def at(self, obj: tuple[Any, ...] | None, key: Any = None) -> int | None:
        """The line of ``key`` in the mapping at path ``obj``, else of that mapping (None: no place)."""
        if obj is None:
            return None
        return self.lines(*obj) if key is None else self.lines(*obj, key, KEY)

    def bad(self, field_: str, expected: str, found: Any, obj: tuple[Any, ...] | None = None, key: Any = None) -> None:
        self.problems.append(problem("E503", path=self.where, line=self.at(obj, key), field=field_, expected=expected,
                                     found=repr(found)))

    def check_council(self, cid: Any, field_: str, obj: tuple[Any, ...], key: Any = None) -> bool:
        if cid not in self.seen:
            self.problems.append(problem("E504", path=self.where, line=self.at(obj, key), field=field_, council=cid,
                                         known=self.known_councils))
            return False
        return True

    def check_code(self, code: Any, field_: str, obj: tuple[Any, ...], key: Any = None) -> bool:
        if self.known_codes is not None and code not in self.known_codes:
            self.problems.append(problem("E505", path=self.where, line=self.at(obj, key), field=field_, code=code,
                                         known=", ".join(self.known_codes)))
            return False
        return True

    def councils(self, raw_councils: Any) -> list[Council]:
        councils: list[Council] = []
        if not isinstance(raw_councils, list) or not raw_councils:
            self.bad("councils", "a non-empty list of {id, name, type}", raw_councils, (), "councils")
            raw_councils = []
        for i, c in enumerate(raw_councils):
            if not isinstance(c, dict) or not all(isinstance(c.get(k), str) and c.get(k) for k in ("id", "name", "type")):
                self.bad(f"councils[{i}]", "{id, name, type}, each a non-empty string", c,
                         ("councils", i) if isinstance(c, dict) else (), None if isinstance(c, dict) else "councils")
                continue
            if c["id"] in self.seen:
                self.problems.append(problem("E516", path=self.where, line=self.at(("councils", i)), field=f"councils[{i}].id",
                                             what="council id", value=c["id"]))
                continue
            self.seen.add(c["id"])
            councils.append(Council(c["id"], c["name"], c["type"]))
        self.known_councils = ", ".join(c.id for c in councils)
        return councils

    def code_targets(self, raw_codes: Any, councils: list[Council]) -> dict[str, CodeTarget]:
        targets: dict[str, CodeTarget] = {}
        if not isinstance(raw_codes, dict) or not raw_codes:
            self.bad("codes", "a mapping of code id -> {statement, count, named, members}", raw_codes, (), "codes")
            raw_codes = {}
        for code, spec in raw_codes.items():
            f = f"codes.{code}"
            if not self.check_code(code, f, ("codes",), code):
                continue
            if not isinstance(spec, dict):
                self.bad(f, "a mapping {statement, count, named, members}", spec, ("codes",), code)
                continue
            target = self.code_target(code, spec, councils)
            if target is not None:
                targets[code] = target
        return targets

    def code_target(self, code: str, spec: dict[str, Any], councils: list[Council]) -> CodeTarget | None:
        f, spec_at = f"codes.{code}", ("codes", code)
        statement = spec.get("statement")
        if not isinstance(statement, str) or not statement.strip():
            self.bad(f"{f}.statement", "the report's sentence, a non-empty string", statement, spec_at, "statement")
            statement = ""
        cnt = spec.get("count")
        count = None
        if (
            isinstance(cnt, dict)
            and isinstance(cnt.get("min"), int)
            and isinstance(cnt.get("max"), int)
            and 0 <= cnt["min"] <= cnt["max"] <= len(councils)
        ):
            count = CountTarget(cnt["min"], cnt["max"])
        else:
            self.problems.append(problem("E506", path=self.where, line=self.at(spec_at, "count"), field=f"{f}.count",
                                         cases=len(councils), found=repr(cnt)))
        named_raw = spec.get("named", [])
        named: list[str] = []
        if not isinstance(named_raw, list):
            self.bad(f"{f}.named", "a list of council ids", named_raw, spec_at, "named")
        else:
            named = [n for n in named_raw if self.check_council(n, f"{f}.named", spec_at, "named")]
        members = self.members(f, spec_at, spec.get("members", {}), [c.id for c in councils])
        if count is not None and members and not count.met_by(len(members)):
            self.bad(f"{f}.members", f"{count} member(s) to meet the count", len(members), spec_at, "members")
        if count is None:
            return None
        return CodeTarget(code=code, statement=statement, count=count, named=tuple(named), members=tuple(members),
                          notes=str(spec.get("notes", "") or "").strip())

    def members(self, f: str, spec_at: tuple[Any, ...], members_raw: Any, council_ids: list[str]) -> list[Member]:
        members: list[Member] = []
        if not isinstance(members_raw, dict):
            self.bad(f"{f}.members", "a mapping council -> basis", members_raw, spec_at, "members")
            members_raw = {}
        for cid, basis in members_raw.items():
            mf = f"{f}.members.{cid}"
            if not self.check_council(cid, mf, (*spec_at, "members"), cid):
                continue
            why = ""
            if isinstance(basis, dict):
                why = basis.get("why", "") or ""
                basis = basis.get("basis")
            if basis not in MEMBER_BASES:
                self.bad(mf, f"a basis, one of {', '.join(MEMBER_BASES)}", basis, (*spec_at, "members"), cid)
                continue
            members.append(Member(cid, basis, str(why)))
        members.sort(key=lambda m: council_ids.index(m.council))
        return members

    def appendix(self, app: Any, councils: list[Council]) -> tuple[dict[str, Any], list[AppendixGroup]]:
        groups: list[AppendixGroup] = []
        app_at: tuple[Any, ...] | None = ("appendix_two",)
        if not isinstance(app, dict) or not isinstance(app.get("groups"), list):
            self.bad("appendix_two", "a mapping {title, groups: [...]}", app, (), "appendix_two")
            app, app_at = {"groups": []}, None  # a stand-in, with no place in the file
        listed: set[str] = set()
        for gi, g in enumerate(app["groups"]):
            g_at = ("appendix_two", "groups", gi)
            if not isinstance(g, dict) or not isinstance(g.get("councils"), dict):
                self.bad(f"appendix_two.groups[{gi}]", "{type, heading, councils: {council: [items]}}", g,
                         g_at if isinstance(g, dict) else app_at, None if isinstance(g, dict) else "groups")
                continue
            groups.append(self.group(gi, g, listed))
        if app.get("groups") is not None:
            for c in councils:
                if c.id not in listed:
                    self.problems.append(problem("E515", path=self.where, line=self.at(app_at, "groups"),
                                                 field="appendix_two", council=c.id))
        return app, groups

    def group(self, gi: int, g: dict[str, Any], listed: set[str]) -> AppendixGroup:
        gf, g_at = f"appendix_two.groups[{gi}]", ("appendix_two", "groups", gi)
        items: list[AppendixItem] = []
        gcouncils: list[str] = []
        for cid, its in g["councils"].items():
            cf = f"{gf}.councils.{cid}"
            if not self.check_council(cid, cf, (*g_at, "councils"), cid):
                continue
            if cid in listed:
                self.problems.append(problem("E516", path=self.where, line=self.at((*g_at, "councils"), cid), field=cf,
                                             what="Appendix Two council", value=cid))
                continue
            listed.add(cid)
            gcouncils.append(cid)
            if not isinstance(its, list) or not its:
                self.bad(cf, "a non-empty list of {item, codes}", its, (*g_at, "councils"), cid)
                continue
            for ii, it in enumerate(its):
                itf = f"{cf}[{ii}]"
                it_at = (*g_at, "councils", cid, ii)
                if (
                    not isinstance(it, dict)
                    or not isinstance(it.get("item"), str)
                    or not isinstance(it.get("codes"), list)
                    or not it["codes"]
                ):
                    self.bad(itf, "{item: text, codes: [code, ...]}", it, it_at if isinstance(it, dict) else (*g_at, "councils"),
                             None if isinstance(it, dict) else cid)
                    continue
                ok = all([self.check_code(c, f"{itf}.codes", it_at, "codes") for c in it["codes"]])
                if ok:
                    items.append(AppendixItem(cid, it["item"], tuple(it["codes"])))
        return AppendixGroup(
            type=str(g.get("type", "")),
            heading=str(g.get("heading", "") or str(g.get("type", "")).upper()),
            councils=tuple(gcouncils),
            items=tuple(items),
        )
