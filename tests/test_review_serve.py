"""`casecoder review --serve` without a browser: the session's checks and writes, and the HTTP
server's refusals (host, origin, token, body), each with the overrides file read back."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

from casecoder.codebook import Code, Codebook
from casecoder.errors import OverridesError, ReviewError
from casecoder.overrides import apply_overrides, load_overrides
from casecoder.review import build_review
from casecoder.review.serve import TOKEN_HEADER, ReviewServer, is_loopback
from casecoder.review.session import ReviewSession
from casecoder.schema import CODINGS_COLUMNS
from casecoder.segments import sentences
from casecoder.transcripts import Document, Turn


def make_doc(doc_id: str, case: str, turns: list[tuple[str, str, str]]) -> Document:
    text, out = "", []
    for i, (speaker, section, said) in enumerate(turns):
        if text:
            text += "\n\n"
        start = len(text)
        text += said
        out.append(Turn(i, speaker, section, start, len(text), said, speaker == "Interviewer"))
    return Document(doc_id, f"{doc_id}.md", text, case, {}, tuple(out))


DOCS = [
    make_doc("øldham", "øldham", [
        ("Interviewer", "Innovations", "What did you build with \u201cpartners\u201d?"),
        ("Chief Executive", "Innovations",
         "We built a joint venture with the NHS \u2014 it cost \u00a32m. We took a leap of faith. "
         "We took a leap of faith."),
    ]),
    make_doc("wigan", "wigan", [("Leader", "Challenges", "Our culture changed. People felt free to fail.")]),
]
BOOK = Codebook((
    Code("partnerships", "Build innovative partnerships"),
    Code("considered_risk", "Take considered risks"),
    Code("innovative_culture", "Create an innovative culture"),
))


def machine_codings() -> pd.DataFrame:
    rows = []
    for doc in DOCS:
        for seg in sentences(doc):
            turn = doc.turns[seg.turn]
            for word, code in (("joint venture", "partnerships"), ("culture", "innovative_culture")):
                if word in seg.text:
                    rows.append(dict(document=doc.id, case=doc.case, section=turn.section, turn=turn.index,
                                     speaker=turn.speaker, segment=seg.index, start=seg.start, end=seg.end,
                                     text=seg.text, code=code, rule="phrase:x", source="auto", analyst="casecoder",
                                     status="coded", reason="", note=""))
    return pd.DataFrame(rows, columns=list(CODINGS_COLUMNS))


def seg_of(doc_id: str, words: str, nth: int = 0):
    return [s for s in sentences(next(d for d in DOCS if d.id == doc_id)) if words in s.text][nth]


def ask(action: str, doc_id: str, words: str, code: str, note: str = "why: in the frame's terms", nth: int = 0, **extra):
    s = seg_of(doc_id, words, nth)
    return {"action": action, "document": doc_id, "sentence": s.index, "quote": s.text, "code": code, "note": note, **extra}


@pytest.fixture
def session(tmp_path: Path) -> ReviewSession:
    return ReviewSession(machine_codings(), DOCS, BOOK, tmp_path / "alice.yaml", analyst="alice")


def test_review_serve_session_remove_confirm_add_written_and_applied(session: ReviewSession) -> None:
    removed = session.correct(ask("remove", "øldham", "joint venture", "partnerships", note="a contract, not a partnership"))
    confirmed = session.correct(ask("confirm", "wigan", "culture", "innovative_culture"))
    added = session.correct(ask("add", "wigan", "free to fail", "considered_risk"))
    entries = load_overrides(session.path, codebook=BOOK).entries
    assert [(e.action, e.document, e.code, e.quote) for e in entries] == [
        ("remove", "øldham", "partnerships", seg_of("øldham", "joint venture").text),
        ("add", "wigan", "innovative_culture", "Our culture changed."),
        ("add", "wigan", "considered_risk", "People felt free to fail."),
    ]
    assert [c.entry.line for c in (removed, confirmed, added)] == [e.line for e in entries]
    c = session.codings
    gone = c[(c.document == "øldham") & (c.code == "partnerships")]
    assert gone[["source", "status", "reason", "note"]].values.tolist() == [
        ["auto", "excluded", "removed_by:alice", "a contract, not a partnership"]]
    assert sorted(c[(c.document == "wigan") & (c.source == "manual")]["code"]) == ["considered_risk", "innovative_culture"]
    # the same as applying the file to the machine's codings from scratch
    again = apply_overrides(machine_codings(), DOCS, [load_overrides(session.path)], BOOK)
    pd.testing.assert_frame_equal(again, c)
    # the corrected page comes back: the excluded chip is marked, the added code is shown
    (name, page), = removed.pages
    assert name.startswith("documents/") and name.endswith(".html") and 'data-code="partnerships"' in page
    assert "removed_by:alice" in page
    assert "alice added considered_risk" in added.message and "line" in added.message


def test_review_serve_session_selected_words_are_the_quote(session: ReviewSession) -> None:
    s = seg_of("øldham", "joint venture")
    offset = s.text.index("joint venture")
    done = session.correct({"action": "add", "document": "øldham", "sentence": s.index, "offset": offset,
                            "quote": "joint venture ", "code": "considered_risk", "note": "a venture is a risk"})
    assert (done.start, done.end) == (s.start + offset, s.start + offset + len("joint venture"))
    assert load_overrides(session.path).entries[0].quote == "joint venture"


def test_review_serve_session_repeated_words_get_prefix(session: ReviewSession) -> None:
    second = seg_of("øldham", "leap of faith", nth=1)
    session.correct(ask("add", "øldham", "leap of faith", "considered_risk", nth=1))
    entry = load_overrides(session.path).entries[0]
    assert entry.quote == "We took a leap of faith." and entry.prefix.endswith("We took a leap of faith.")
    assert session.codings.query("source == 'manual'")["start"].tolist() == [second.start]


@pytest.mark.parametrize(
    ("request_", "codes"),
    [
        ({"action": "zap", "document": "nope", "code": "x", "note": " "}, ["E808", "E808", "E809", "E408", "E407", "E411"]),
        (ask("remove", "wigan", "free to fail", "partnerships"), ["E811"]),  # nothing to remove there
        (ask("confirm", "wigan", "free to fail", "considered_risk"), ["E811"]),
        (dict(ask("add", "wigan", "culture", "considered_risk"), quote="Our culture changed a lot."), ["E810"]),
        (dict(ask("add", "wigan", "culture", "considered_risk"), sentence=99), ["E810"]),
        (dict(ask("add", "wigan", "culture", "considered_risk"), sentence="0"), ["E808"]),
        (ask("add", "wigan", "culture", "no_such_code"), ["E407"]),
    ],
)
def test_review_serve_session_bad_requests_write_nothing(session: ReviewSession, request_, codes) -> None:
    with pytest.raises((ReviewError, OverridesError)) as err:
        session.correct(request_)
    assert [p.code for p in err.value.problems] == codes
    assert not session.path.exists()


def test_review_serve_session_same_correction_twice_is_refused(session: ReviewSession) -> None:
    session.correct(ask("add", "wigan", "free to fail", "considered_risk"))
    before = session.path.read_bytes()
    with pytest.raises(OverridesError) as err:
        session.correct(ask("add", "wigan", "free to fail", "considered_risk", note="another reason"))
    assert err.value.problems[0].code == "E415"
    assert session.path.read_bytes() == before


def test_review_serve_session_reads_existing_file_and_checks_analyst(tmp_path: Path) -> None:
    path = tmp_path / "bob.yaml"
    path.write_text("# bob's\nanalyst: bob\noverrides:\n  - action: remove\n    document: wigan\n"
                    "    code: innovative_culture\n    quote: Our culture changed.\n    note: not culture\n", encoding="utf-8")
    s = ReviewSession(machine_codings(), DOCS, BOOK, path)
    assert s.analyst == "bob"
    assert s.codings.query("code == 'innovative_culture'")["status"].tolist() == ["excluded"]
    with pytest.raises(OverridesError) as err:
        ReviewSession(machine_codings(), DOCS, BOOK, path, analyst="alice")
    assert err.value.problems[0].code == "E413"
    with pytest.raises(OverridesError) as err:
        ReviewSession(machine_codings(), DOCS, BOOK, tmp_path / "new.yaml")
    assert err.value.problems[0].code == "E414"
    s.correct(ask("add", "wigan", "free to fail", "considered_risk"))
    assert path.read_text(encoding="utf-8").startswith("# bob's\n")  # comments kept


# --------------------------------------------------------------------------------------------
# over HTTP


@pytest.fixture
def server(session: ReviewSession, tmp_path: Path):
    site = tmp_path / "site"
    build_review(session.codings, DOCS, BOOK, site)
    srv = ReviewServer(session, site, port=0, rebuild=lambda c: build_review(c, DOCS, BOOK, site))
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def call(srv: ReviewServer, path: str, body: object = None, headers: dict[str, str] | None = None):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode("utf-8"))
    req = urllib.request.Request(srv.url.rstrip("/") + path, data=data, method="GET" if data is None else "POST")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=30) as reply:
            return reply.status, reply.headers, reply.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def test_review_serve_http_page_carries_token_and_policy(server: ReviewServer) -> None:
    status, headers, body = call(server, "/")
    assert status == 200
    page = body.decode("utf-8")
    assert server.token in page and 'name="casecoder-serve"' in page
    # the page's own policy lets its script talk to this server; the footer no longer says "no server"
    meta = page.split('http-equiv="Content-Security-Policy" content="')[1].split('"')[0]
    assert "connect-src 'self'" in meta and "frame-ancestors" not in meta
    assert "no server" not in page and "Served to this machine only" in page
    assert "connect-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["Cache-Control"] == "no-store"


def test_review_serve_http_without_token_is_refused_and_writes_nothing(server: ReviewServer, session: ReviewSession) -> None:
    body = ask("add", "wigan", "free to fail", "considered_risk")
    for headers in ({}, {TOKEN_HEADER: "guess"}, {TOKEN_HEADER: server.token[:-1]}):
        status, _, reply = call(server, "/api/corrections", body, headers)
        assert status == 403, headers
        assert "token" in json.loads(reply)["problems"][0]
    assert not session.path.exists()


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Origin": "http://evil.example"}, 403),
        ({"Sec-Fetch-Site": "cross-site"}, 403),
        ({"Host": "evil.example"}, 403),  # DNS rebinding: a name that resolves here
        ({"Content-Type": "text/plain"}, 415),
    ],
)
def test_review_serve_http_refusals(server: ReviewServer, session: ReviewSession, headers, status) -> None:
    all_headers = {TOKEN_HEADER: server.token, **headers}
    if "Host" in headers:
        all_headers["Host"] = f"{headers['Host']}:{server.server_address[1]}"
    req_status, _, _ = call(server, "/api/corrections", ask("add", "wigan", "free to fail", "considered_risk"), all_headers)
    assert req_status == status
    assert not session.path.exists()


def test_review_serve_http_correction_then_pages_follow(server: ReviewServer, session: ReviewSession) -> None:
    origin = {"Origin": server.url.rstrip("/"), TOKEN_HEADER: server.token}
    status, _, reply = call(server, "/api/corrections", ask("add", "wigan", "free to fail", "considered_risk"), origin)
    data = json.loads(reply)
    assert status == 200 and data["ok"] and data["line"] == 5
    page = next(iter(data["pages"]))
    _, _, served = call(server, "/" + page)
    assert served.decode("utf-8").count('data-code="considered_risk"') == 1
    # the index is rebuilt from the corrected codings before it is shown
    _, _, index = call(server, "/index.html")
    assert "considered_risk" in index.decode("utf-8") and not server.stale
    status, _, reply = call(server, "/api/corrections", ask("add", "wigan", "free to fail", "no_code"), origin)
    assert status == 422 and "E407" in json.loads(reply)["problems"][0]
    assert len(load_overrides(session.path).entries) == 1


def test_review_serve_http_no_file_outside_the_site(server: ReviewServer, tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("no", encoding="utf-8")
    for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/.casecoder-review", "/documents/"):
        status, _, _ = call(server, path)
        assert status == 404, path


def test_review_serve_refuses_remote_address_without_flag(session: ReviewSession, tmp_path: Path) -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and not is_loopback("0.0.0.0")
    with pytest.raises(ReviewError) as err:
        ReviewServer(session, tmp_path, host="0.0.0.0")
    assert err.value.problems[0].code == "E812"
