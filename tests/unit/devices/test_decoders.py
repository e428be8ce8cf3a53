"""QR decoders: the zxing blackbox corpus through the project's own path, and generated codes.

Counting follows zxing's blackbox tests: an image is *correct* when its expected text (the whole
``N.txt``, UTF-8) is among the decoded texts, a *misread* when something was decoded but not
that text, *not found* when nothing was.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from bench.qr_frames import iter_frames, render_code
from devices.decoders import (
    DECODER_NAMES,
    Decoded,
    Decoder,
    PyzbarDecoder,
    RetryingDecoder,
    ZxingDecoder,
    make_decoder,
)

Image = npt.NDArray[np.uint8]
CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpora" / "qr" / "zxing-blackbox"

# zxing's QRCodeBlackBoxNTestCase thresholds (corpus README): folder -> {rotation: must pass}.
THRESHOLDS = {
    "qrcode-1": {0: 17, 90: 14, 180: 17, 270: 14},
    "qrcode-2": {0: 32, 90: 30, 180: 31, 270: 31},
    "qrcode-3": {0: 38, 90: 39, 180: 36, 270: 39},
    "qrcode-4": {0: 36, 90: 35, 180: 35, 270: 35},
    "qrcode-5": {0: 19, 90: 19, 180: 19, 270: 19},
    "qrcode-6": {0: 15, 90: 14, 180: 13, 270: 14},
}
ROTATE = {
    0: None,
    90: cv2.ROTATE_90_CLOCKWISE,
    180: cv2.ROTATE_180,
    270: cv2.ROTATE_90_COUNTERCLOCKWISE,
}
# qrcode-2/16 is a "double QR": a second, genuine code sits inside the first; its own text
# begins "[内側QRコード]" ("inner QR code").  Reading both is right, not a misread.
DOUBLE_QR = "qrcode-2/16.png"


@dataclass(frozen=True)
class Sample:
    folder: str
    name: str
    image: Image
    expected: str

    @property
    def id(self) -> str:
        return f"{self.folder}/{self.name}"


@dataclass
class Tally:
    correct: list[str]
    misread: dict[str, list[str]]
    not_found: list[str]
    extra: dict[str, list[str]]

    def per_folder(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for sample_id in self.correct:
            folder = sample_id.split("/")[0]
            counts[folder] = counts.get(folder, 0) + 1
        return counts


def corpus_dir() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"QR corpus absent: {CORPUS.resolve()} (../shared/corpora beside the project)")
    return CORPUS


@pytest.fixture(scope="module")
def samples() -> list[Sample]:
    root = corpus_dir()
    out = []
    for folder in sorted(root.glob("qrcode-*")):
        for png in sorted(folder.glob("*.png")):
            image = cv2.imread(str(png), cv2.IMREAD_COLOR)
            assert image is not None, png
            expected = png.with_suffix(".txt").read_bytes().decode("utf-8")
            out.append(Sample(folder.name, png.name, cast(Image, image), expected))
    assert len(out) == 179, "the staged corpus should hold 179 QR images with expected texts"
    return out


def tally(decoder: Decoder, samples: list[Sample], degrees: int = 0) -> Tally:
    result = Tally([], {}, [], {})
    code = ROTATE[degrees]
    for s in samples:
        image = s.image if code is None else cast(Image, cv2.rotate(s.image, code))
        texts = [d.text for d in decoder.decode(image)]
        if s.expected in texts:
            result.correct.append(s.id)
            others = [t for t in texts if t != s.expected]
            if others:
                result.extra[s.id] = others
        elif texts:
            result.misread[s.id] = texts
        else:
            result.not_found.append(s.id)
    return result


# --- the corpus, through make_decoder("zxing") ------------------------------------------------


def test_default_decoder_reads_upright_corpus_without_misreads(samples: list[Sample]) -> None:
    result = tally(make_decoder("zxing"), samples)
    assert result.misread == {}
    assert len(result.correct) >= 166, f"only {len(result.correct)}/179; missed {result.not_found}"
    assert set(result.extra) <= {DOUBLE_QR}, result.extra


@pytest.mark.parametrize("degrees", [0, 90, 180, 270])
def test_default_decoder_meets_zxing_thresholds(samples: list[Sample], degrees: int) -> None:
    result = tally(make_decoder("zxing"), samples, degrees)
    assert result.misread == {}, f"misreads at {degrees}°"
    counts = result.per_folder()
    below = {
        folder: (counts.get(folder, 0), need[degrees])
        for folder, need in THRESHOLDS.items()
        if counts.get(folder, 0) < need[degrees]
    }
    assert below == {}, f"at {degrees}°, (read, needed) per folder: {below}"


def test_retries_read_more_than_one_pass_and_misread_nothing(samples: list[Sample]) -> None:
    one_pass = tally(make_decoder("zxing-fast"), samples)
    retrying = tally(make_decoder("zxing"), samples)
    gained = set(retrying.correct) - set(one_pass.correct)
    assert set(one_pass.correct) <= set(retrying.correct)
    assert gained, "the retries should read images the single pass cannot"
    assert retrying.misread == {}


def test_multi_code_image_yields_all_four() -> None:
    folder = corpus_dir() / "multi-qrcode-1"
    expected = json.loads((folder / "expected.json").read_text("utf-8"))["1.png"]
    image = cast(Image, cv2.imread(str(folder / "1.png"), cv2.IMREAD_COLOR))
    decoded = make_decoder("zxing").decode(image)
    assert sorted(d.text for d in decoded) == sorted(expected)
    assert {d.symbology for d in decoded} == {"QRCode"}


# --- generated codes ----------------------------------------------------------------------------


def _on_canvas(code: Image, shape: tuple[int, int] = (480, 640)) -> Image:
    """A BGR image with ``code`` pasted on a light-grey canvas."""
    canvas = np.full((*shape, 3), 200, dtype=np.uint8)
    h, w = code.shape
    y, x = (shape[0] - h) // 2, (shape[1] - w) // 2
    canvas[y : y + h, x : x + w] = code[:, :, None]
    return canvas


@pytest.mark.parametrize("name", DECODER_NAMES)
def test_each_decoder_reads_a_generated_code(name: str) -> None:
    payload = "https://zhili.example.gov.cn/s/abc?c=0042"
    decoded = make_decoder(name).decode(_on_canvas(render_code(payload, module_px=5)))
    assert decoded == [Decoded(text=payload, raw=payload.encode(), symbology="QRCode")]


@pytest.mark.parametrize("name", DECODER_NAMES)
def test_utf8_chinese_payload_is_read_exactly(name: str) -> None:
    payload = "朝阳区融治理中心 法律咨询 预约号：A042 姓名：王芳"
    decoded = make_decoder(name).decode(_on_canvas(render_code(payload, module_px=4)))
    assert [d.text for d in decoded] == [payload]


@pytest.mark.parametrize("name", ["zxing", "zxing-fast"])
def test_control_characters_are_kept_not_rewritten(name: str) -> None:
    payload = "MT1\x01abc\x1dDEF\x04"
    decoded = make_decoder(name).decode(render_code(payload, module_px=4))
    assert len(decoded) == 1
    assert decoded[0].text == payload
    assert "<SOH>" not in decoded[0].text and "<GS>" not in decoded[0].text
    assert decoded[0].raw == payload.encode("ascii")


def test_raw_keeps_bytes_that_are_not_utf8() -> None:
    payload = bytes([0x01, 0x80, 0xFE, 0xFF]) + b"token"
    decoded = make_decoder("zxing").decode(render_code(payload, module_px=4))
    assert [d.raw for d in decoded] == [payload]


@pytest.mark.parametrize("name", DECODER_NAMES)
@pytest.mark.parametrize(
    "make_image",
    [
        pytest.param(lambda: np.zeros((720, 1280, 3), np.uint8), id="black-bgr"),
        pytest.param(lambda: np.full((720, 1280), 255, np.uint8), id="white-gray"),
        pytest.param(
            lambda: np.random.default_rng(7).integers(0, 256, (480, 640), dtype=np.uint8),
            id="noise",
        ),
    ],
)
def test_image_without_code_gives_empty_list(name: str, make_image: Callable[[], Image]) -> None:
    assert make_decoder(name).decode(make_image()) == []


def test_generated_camera_frames_read_without_misreads() -> None:
    frames = list(iter_frames(12, no_code=4))
    decoder = make_decoder("zxing")
    correct = 0
    for frame in frames:
        texts = [d.text for d in decoder.decode(frame.image)]
        if frame.expected is None:
            assert texts == [], f"{frame.name}: read {texts} where there is no code"
        elif texts:
            assert texts == [frame.expected], f"{frame.name}: misread"
            correct += 1
    assert correct >= 11, f"only {correct}/12 generated frames read"


def test_frame_generator_is_deterministic() -> None:
    a = next(iter_frames(1, no_code=0, seed=3))
    b = next(iter_frames(1, no_code=0, seed=3))
    c = next(iter_frames(1, no_code=0, seed=4))
    assert a.expected == b.expected and np.array_equal(a.image, b.image)
    assert a.image.shape == (720, 1280, 3) and a.image.dtype == np.uint8
    assert not np.array_equal(a.image, c.image)


# --- input shapes, factory, pyzbar errors ---------------------------------------------------------


def test_accepts_gray_bgr_bgra_single_channel_and_strided_views() -> None:
    payload = "Q-20240601-0042"
    gray = _on_canvas(render_code(payload, module_px=4))[:, :, 0].copy()
    variants: dict[str, Image] = {
        "gray": gray,
        "gray-1ch": gray[:, :, None],
        "bgr": cast(Image, cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)),
        "bgra": cast(Image, cv2.cvtColor(gray, cv2.COLOR_GRAY2BGRA)),
        "rotated-view": np.rot90(gray),
    }
    for name in DECODER_NAMES:
        decoder = make_decoder(name)
        for label, image in variants.items():
            assert [d.text for d in decoder.decode(image)] == [payload], (name, label)


@pytest.mark.parametrize(
    "bad",
    [
        np.zeros((10, 10), np.float32),
        np.zeros((10, 10, 2), np.uint8),
        np.zeros((0, 10), np.uint8),
        np.zeros(10, np.uint8),
    ],
    ids=["float", "two-channels", "empty", "1-d"],
)
def test_rejects_arrays_that_are_not_images(bad: Image) -> None:
    with pytest.raises(ValueError):
        make_decoder("zxing").decode(bad)


def test_factory_names_and_types() -> None:
    assert DECODER_NAMES[0] == "zxing"
    expected_types = {"zxing": RetryingDecoder, "zxing-fast": ZxingDecoder, "pyzbar": PyzbarDecoder}
    assert set(DECODER_NAMES) == set(expected_types)
    for name in DECODER_NAMES:
        decoder = make_decoder(name)
        assert type(decoder) is expected_types[name]
        assert decoder.name == name
        assert isinstance(decoder, Decoder)


def test_unknown_decoder_name_raises_with_the_choices() -> None:
    with pytest.raises(ValueError, match=r"unknown QR decoder 'zbar'.*'zxing'.*'pyzbar'"):
        make_decoder("zbar")


def test_pyzbar_value_error_gives_empty_list(monkeypatch: pytest.MonkeyPatch) -> None:
    decoder = PyzbarDecoder()

    def explode(*args: object, **kwargs: object) -> list[object]:
        raise ValueError("-1 is not a valid ZBarOrientation")

    monkeypatch.setattr(decoder._pyzbar, "decode", explode)
    assert decoder.decode(render_code("x", module_px=4)) == []


def test_try_harder_reads_at_least_what_the_default_reads(samples: list[Sample]) -> None:
    default = tally(RetryingDecoder(), samples, 90)
    harder = tally(RetryingDecoder(try_harder=True), samples, 90)
    assert harder.misread == {}
    assert set(default.correct) <= set(harder.correct)
