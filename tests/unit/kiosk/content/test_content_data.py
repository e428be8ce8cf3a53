"""The shipped anti-fraud content is complete, bilingual, consistent and verifiable."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import pytest
from pydantic import BaseModel, ValidationError

from kiosk.content.library import CONTENT_DIR, MEDIA_DIR, ContentError, ContentLibrary, load_content
from kiosk.content.media import MediaStore
from kiosk.content.model import (
    ImageItem,
    LocalText,
    MirrorInvite,
    MirrorScenario,
    QuizInvite,
    QuizQuestion,
    TextItem,
    VideoItem,
)
from kiosk.framework.i18n import load_catalogue

TOP_TEN = {
    "刷单返利",
    "虚假网络投资理财",
    "虚假购物服务",
    "冒充电商物流客服",
    "虚假贷款",
    "虚假征信",
    "冒充领导熟人",
    "冒充公检法",
    "网络婚恋交友",
    "网络游戏产品虚假交易",
}


@pytest.fixture(scope="module")
def library() -> ContentLibrary:
    return load_content()


def texts(value: Any) -> Iterator[LocalText]:
    """Every LocalText inside a model tree."""
    if isinstance(value, LocalText):
        yield value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from texts(getattr(value, name))
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from texts(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from texts(v)


def all_texts(lib: ContentLibrary) -> list[LocalText]:
    found: list[LocalText] = []
    for part in (
        lib.playlist,
        lib.fraud_types,
        lib.slogans,
        lib.hotlines,
        lib.quiz,
        lib.scenarios,
    ):
        found += texts(part)
    return found


def test_every_text_is_in_both_languages_and_filled_in(library: ContentLibrary) -> None:
    found = all_texts(library)
    assert len(found) > 200  # the walker really walked the content
    for t in found:
        assert t.zh_CN.strip() and t.en.strip()
        assert "{" not in t.zh_CN + t.en, t  # every {hotline.x} placeholder was replaced
        assert any("\u4e00" <= ch <= "\u9fff" for ch in t.zh_CN), t  # Chinese is Chinese
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in t.en), t  # English has no hanzi


def test_the_ten_most_common_fraud_types_each_have_a_full_card(library: ContentLibrary) -> None:
    assert {f.name.zh_CN for f in library.fraud_types.values()} == TOP_TEN
    assert [f.rank for f in library.fraud_types.values()] == list(range(1, 11))
    for f in library.fraud_types.values():
        assert f.how_it_starts and len(f.warning_signs) >= 2 and len(f.what_to_do) >= 2


def test_every_fraud_type_is_on_the_playlist_and_in_the_quiz(library: ContentLibrary) -> None:
    carded = {i.fraud_type for i in library.playlist.items if isinstance(i, TextItem)}
    asked = {q.fraud_type for q in library.quiz.questions}
    assert set(library.fraud_types) <= carded
    assert set(library.fraud_types) <= asked


def test_slogans_and_hotlines(library: ContentLibrary) -> None:
    assert {s.text.zh_CN for s in library.slogans} >= {"不听、不信、不转账", "陌生链接不能点"}
    assert library.hotlines["police"].number == "110" and library.hotlines["police"].verified
    warning = library.hotlines["fraud_warning"]
    assert warning.number == "96110" and warning.verified is False  # unconfirmed here
    assert library.playlist.fallback.title.zh_CN == "不听、不信、不转账"


def test_quiz_bank(library: ContentLibrary) -> None:
    questions = library.quiz.questions
    assert len(questions) >= 15
    for q in questions:
        assert 2 <= len(q.options) <= 4 and 0 <= q.answer < len(q.options)
    # answers are not all in the same place (residents would learn the position)
    assert len({q.answer for q in questions}) > 1


def test_mirror_scenarios(library: ContentLibrary) -> None:
    by_type = {s.fraud_type for s in library.scenarios.values()}
    assert {"fake_police", "fake_customer_service", "task_rebate"} <= by_type
    invited = {i.scenario for i in library.playlist.items if isinstance(i, MirrorInvite)}
    assert invited == set(library.scenarios)
    for s in library.scenarios.values():
        for step in s.steps:
            assert any(c.safe for c in step.choices) and any(not c.safe for c in step.choices)
            for c in step.choices:
                assert c.safe or c.why is not None


def test_playlist_has_every_kind_and_a_quiz_invitation(library: ContentLibrary) -> None:
    kinds = {type(i) for i in library.playlist.items}
    assert kinds == {ImageItem, VideoItem, TextItem, QuizInvite, MirrorInvite}


def test_every_medium_is_present_verified_and_small(library: ContentLibrary) -> None:
    store = MediaStore([MEDIA_DIR])
    total = 0
    for item in library.playlist.items:
        ref = item.media
        if ref is None:
            continue
        check = store.check(ref)
        assert check.ok, (item.id, check)
        assert check.path is not None and check.path.name == f"sha256-{ref.hex}{check.path.suffix}"
        size = check.path.stat().st_size
        assert size < (300_000 if isinstance(item, VideoItem) else 100_000)
        total += size
    assert total < 1_000_000


def test_the_video_decodes_at_320x240_and_lasts_a_few_seconds(library: ContentLibrary) -> None:
    video = next(i for i in library.playlist.items if isinstance(i, VideoItem))
    path = MediaStore([MEDIA_DIR]).path_for(video.video)
    assert path is not None
    cap = cv2.VideoCapture(str(path))
    try:
        frames = 0
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            assert frame.shape == (240, 320, 3)
            frames += 1
        fps = cap.get(cv2.CAP_PROP_FPS)
    finally:
        cap.release()
    assert fps > 0 and 2 <= frames / fps <= video.max_duration_s


def test_antifraud_ui_strings_are_in_both_languages() -> None:
    keys = {k: v for k, v in load_catalogue().items() if k.startswith("antifraud.")}
    assert len(keys) > 40
    for key, entry in keys.items():
        assert entry.get("zh_CN", "").strip() and entry.get("en", "").strip(), key


# -- the loader refuses broken content ------------------------------------------------------------


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target, ignore=shutil.ignore_patterns("media", "*.py"))
    return target


def test_an_unknown_fraud_type_is_refused(content_copy: Path) -> None:
    quiz = content_copy / "quiz.toml"
    quiz.write_text(quiz.read_text(encoding="utf-8").replace('"task_rebate"', '"nope"', 1), "utf-8")
    with pytest.raises(ContentError, match="unknown fraud type 'nope'"):
        load_content(content_copy)


def test_an_unknown_hotline_placeholder_is_refused(content_copy: Path) -> None:
    path = content_copy / "slogans.toml"
    path.write_text(path.read_text("utf-8").replace("{hotline.police}", "{hotline.ghost}"), "utf-8")
    with pytest.raises(ContentError, match="unknown hotline"):
        load_content(content_copy)


def test_a_missing_language_is_refused(content_copy: Path) -> None:
    path = content_copy / "fraud_types.toml"
    text = path.read_text("utf-8").replace(', en = "Fake loans"', "", 1)
    path.write_text(text, "utf-8")
    with pytest.raises(ContentError, match="en"):
        load_content(content_copy)


def test_an_unknown_mirror_scenario_is_refused(content_copy: Path) -> None:
    path = content_copy / "playlist.toml"
    path.write_text(
        path.read_text("utf-8").replace('scenario = "police_call"', 'scenario = "nope"'), "utf-8"
    )
    with pytest.raises(ContentError, match="unknown mirror scenario"):
        load_content(content_copy)


def test_a_hotline_number_changes_everywhere(content_copy: Path) -> None:
    path = content_copy / "hotlines.toml"
    path.write_text(path.read_text("utf-8").replace('number = "110"', 'number = "999"'), "utf-8")
    lib = load_content(content_copy)
    assert "999" in lib.playlist.fallback.body.zh_CN  # type: ignore[union-attr]
    assert not any("110" in t.zh_CN for t in all_texts(lib))


# -- model rules -----------------------------------------------------------------------------------

T = {"zh_CN": "中", "en": "x"}


def question(**fields: Any) -> QuizQuestion:
    base: dict[str, Any] = {
        "id": "q",
        "fraud_type": "f",
        "question": T,
        "options": [{"zh_CN": "甲", "en": "a"}, {"zh_CN": "乙", "en": "b"}],
        "answer": 0,
        "explanation": T,
    }
    return QuizQuestion.model_validate(base | fields)


def test_quiz_answers_must_be_option_indexes() -> None:
    assert question(answer=1).answer == 1
    for bad in (2, -1):
        with pytest.raises(ValidationError):
            question(answer=bad)
    with pytest.raises(ValidationError):
        question(options=[T])  # one option
    with pytest.raises(ValidationError):
        question(options=[T, T])  # two options that read the same


def test_text_needs_both_languages_not_blank() -> None:
    with pytest.raises(ValidationError):
        LocalText.model_validate({"zh_CN": "中"})
    with pytest.raises(ValidationError):
        LocalText.model_validate({"zh_CN": "中", "en": "   "})
    assert LocalText(zh_CN="中", en="x").get("fr") == "中"


def choice(safe: bool, next_: str | None = None) -> dict[str, Any]:
    c: dict[str, Any] = {"text": T, "safe": safe, "feedback": T}
    if not safe:
        c["why"] = T
    if next_ is not None:
        c["next"] = next_
    return c


def scenario(*steps: dict[str, Any]) -> MirrorScenario:
    return MirrorScenario.model_validate(
        {"id": "s", "fraud_type": "f", "title": T, "caller": T, "intro": T, "steps": list(steps)}
    )


def step(step_id: str, *choices: dict[str, Any]) -> dict[str, Any]:
    return {"id": step_id, "says": T, "choices": list(choices), "warning_signs": [T]}


def test_scenario_graphs_must_be_finite_and_reachable() -> None:
    ok = scenario(
        step("a", choice(True), choice(False, "end")), step("b", choice(True), choice(False))
    )
    assert ok.next_step_id("a", ok.steps[0].choices[0]) == "b"
    assert ok.next_step_id("b", ok.steps[1].choices[0]) == "end"
    with pytest.raises(ValidationError, match="loop"):
        scenario(
            step("a", choice(True), choice(False)), step("b", choice(True, "a"), choice(False))
        )
    with pytest.raises(ValidationError, match="never reached"):
        scenario(
            step("a", choice(True, "end"), choice(False, "end")),
            step("b", choice(True), choice(False)),
        )
    with pytest.raises(ValidationError, match="unknown"):
        scenario(step("a", choice(True, "zzz"), choice(False)))
    with pytest.raises(ValidationError, match="safe choice"):
        scenario(step("a", choice(False), choice(False)))
    with pytest.raises(ValidationError, match="why"):
        scenario(step("a", choice(True), {"text": T, "safe": False, "feedback": T}))
