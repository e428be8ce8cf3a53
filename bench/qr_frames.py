"""Deterministic camera-like 1280x720 frames, with and without a QR code, for bench and tests.

Each frame is a BGR uint8 image: a textured "room" background (blotchy walls, furniture edges,
poster text, a lighting gradient, sensor noise) with, for most frames, one QR code on a sheet of
paper or a phone screen, placed with a random rotation and perspective.  The payloads are what
the kiosk sees in service: links to the centre's pages, member tokens
(``MT1.<base64url>.<base64url signature>``), Chinese appointment slips, ticket numbers.  Codes
are encoded the way most generators (WeChat, web libraries) encode them: UTF-8 in byte mode,
without an ECI marker.

Variants (cycled in order so every seed gets a balanced mix):
``clean``, ``blur`` (defocus or motion), ``noise``, ``perspective`` (strong tilt),
``low_contrast`` (dim, grey-on-grey), ``small_modules`` (2-3 px per module), and
``no_code`` frames that hold no code at all (the common case at a kiosk camera).

Generation depends only on the seed: the same seed gives byte-identical frames.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt
import qrcode
import qrcode.constants

Image = npt.NDArray[np.uint8]

WIDTH = 1280
HEIGHT = 720
DEFAULT_SEED = 20240601
CODE_VARIANTS = ("clean", "blur", "noise", "perspective", "low_contrast", "small_modules")
NO_CODE = "no_code"

_DISTRICTS = ("朝阳", "海淀", "东城", "西城", "丰台", "浦东", "天河", "武侯", "鼓楼", "南山")
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
_SERVICES = ("法律咨询", "矛盾调解", "社保办理", "居住证", "老年卡", "心理疏导", "信访接待")
_EC_LEVELS = (
    qrcode.constants.ERROR_CORRECT_L,
    qrcode.constants.ERROR_CORRECT_M,
    qrcode.constants.ERROR_CORRECT_Q,
    qrcode.constants.ERROR_CORRECT_H,
)


@dataclass(frozen=True)
class Frame:
    """One generated camera frame.

    Attributes:
        name: a stable identifier such as ``"0007-blur-token"``.
        variant: one of :data:`CODE_VARIANTS` or :data:`NO_CODE`.
        image: BGR uint8 array of shape (HEIGHT, WIDTH, 3).
        expected: the payload text of the one code in the frame, or None when there is none.
    """

    name: str
    variant: str
    image: Image
    expected: str | None


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _payload(rng: np.random.Generator, kind: str) -> str:
    """A realistic payload of the given kind."""
    if kind == "url":
        slug = _b64url(rng.bytes(int(rng.integers(6, 12))))
        center = int(rng.integers(1, 400))
        return f"https://zhili.example.gov.cn/s/{slug}?c={center:04d}&src=kiosk"
    if kind == "token":
        claims = rng.bytes(int(rng.integers(24, 48)))
        signature = rng.bytes(32)
        return f"MT1.{_b64url(claims)}.{_b64url(signature)}"
    if kind == "chinese":
        district = _DISTRICTS[int(rng.integers(len(_DISTRICTS)))]
        surname = _SURNAMES[int(rng.integers(len(_SURNAMES)))]
        given = "".join(_GIVEN[int(i)] for i in rng.integers(len(_GIVEN), size=2))
        service = _SERVICES[int(rng.integers(len(_SERVICES)))]
        number = int(rng.integers(1, 1000))
        return f"{district}区融治理中心 {service} 预约号：A{number:03d} 姓名：{surname}{given}"
    day = int(rng.integers(1, 29))
    return f"Q-202406{day:02d}-{int(rng.integers(1, 10000)):04d}"


def qr_modules(payload: str | bytes, ec_level: int = qrcode.constants.ERROR_CORRECT_M) -> Image:
    """The module matrix of a QR code, 1 = dark, with a 4-module quiet zone.

    A ``str`` is encoded as UTF-8 in byte mode without ECI, as most generators do.
    """
    data = payload.encode("utf-8") if isinstance(payload, str) else payload
    code = qrcode.QRCode(error_correction=ec_level, border=4)
    code.add_data(data, optimize=0)
    code.make(fit=True)
    return np.asarray(code.get_matrix(), dtype=np.uint8)


def render_code(
    payload: str | bytes, module_px: int = 6, ec_level: int = qrcode.constants.ERROR_CORRECT_M
) -> Image:
    """A clean grayscale image of a QR code (black on white), ``module_px`` pixels per module."""
    modules = qr_modules(payload, ec_level)
    image = np.where(modules == 1, 0, 255).astype(np.uint8)
    return np.kron(image, np.ones((module_px, module_px), dtype=np.uint8))


def _smooth_noise(rng: np.random.Generator, cell: int) -> npt.NDArray[np.float32]:
    small = rng.random((HEIGHT // cell + 2, WIDTH // cell + 2), dtype=np.float32)
    size = (WIDTH + 2 * cell, HEIGHT + 2 * cell)
    big = np.asarray(cv2.resize(small, size, interpolation=cv2.INTER_CUBIC), dtype=np.float32)
    return big[cell : cell + HEIGHT, cell : cell + WIDTH]


def _background(rng: np.random.Generator) -> npt.NDArray[np.float32]:
    """A textured BGR float32 scene in 0..255."""
    base = 60.0 + 120.0 * _smooth_noise(rng, 160) + 40.0 * (_smooth_noise(rng, 24) - 0.5)
    base += 12.0 * (_smooth_noise(rng, 4) - 0.5)
    scene = np.repeat(base[:, :, None], 3, axis=2)
    scene *= rng.uniform(0.85, 1.15, size=3).astype(np.float32)
    # Furniture, door frames, notice boards: filled and outlined boxes, lines.
    for _ in range(int(rng.integers(6, 14))):
        x0, y0 = int(rng.integers(-200, WIDTH)), int(rng.integers(-200, HEIGHT))
        x1, y1 = x0 + int(rng.integers(40, 500)), y0 + int(rng.integers(40, 400))
        colour = tuple(float(c) for c in rng.uniform(10, 245, size=3))
        thickness = -1 if rng.random() < 0.5 else int(rng.integers(2, 10))
        cv2.rectangle(scene, (x0, y0), (x1, y1), colour, thickness)
    for _ in range(int(rng.integers(4, 10))):
        p0 = (int(rng.integers(0, WIDTH)), int(rng.integers(0, HEIGHT)))
        p1 = (int(rng.integers(0, WIDTH)), int(rng.integers(0, HEIGHT)))
        colour = tuple(float(c) for c in rng.uniform(0, 255, size=3))
        cv2.line(scene, p0, p1, colour, int(rng.integers(1, 8)), cv2.LINE_AA)
    # Poster text: many small high-contrast edges, the usual source of false finder patterns.
    for _ in range(int(rng.integers(3, 9))):
        text = "".join(chr(int(c)) for c in rng.integers(33, 127, size=int(rng.integers(5, 20))))
        origin = (int(rng.integers(0, WIDTH - 100)), int(rng.integers(20, HEIGHT)))
        shade = float(rng.choice([15.0, 240.0]))
        cv2.putText(
            scene,
            text,
            origin,
            int(rng.integers(0, 8)),
            float(rng.uniform(0.5, 2.0)),
            (shade, shade, shade),
            int(rng.integers(1, 4)),
            cv2.LINE_AA,
        )
    # A checkerboard-ish tiled floor or shelf in some frames.
    if rng.random() < 0.3:
        tile = int(rng.integers(12, 40))
        yy = np.arange(HEIGHT)[:, None]
        xx = np.arange(WIDTH)[None, :]
        board = (((yy // tile) + (xx // tile)) % 2).astype(np.float32)
        band = slice(int(rng.integers(HEIGHT // 2, HEIGHT - 60)), HEIGHT)
        scene[band] = scene[band] * 0.6 + (board[band, :, None] * 80.0 + 40.0) * 0.4
    return scene


def _lighting(rng: np.random.Generator, strength: float) -> npt.NDArray[np.float32]:
    """A smooth multiplicative illumination field around 1.0."""
    yy = np.arange(HEIGHT, dtype=np.float32)[:, None]
    xx = np.arange(WIDTH, dtype=np.float32)[None, :]
    angle = rng.uniform(0, 2 * math.pi)
    ramp = (np.cos(angle) * (xx / WIDTH - 0.5) + np.sin(angle) * (yy / HEIGHT - 0.5)).astype(
        np.float32
    )
    field = 1.0 + strength * ramp + 0.5 * strength * (_smooth_noise(rng, 200) - 0.5)
    out: npt.NDArray[np.float32] = field.astype(np.float32)
    return out


def _place_code(
    rng: np.random.Generator,
    scene: npt.NDArray[np.float32],
    payload: str,
    variant: str,
) -> None:
    """Draw the code for ``payload`` into ``scene`` in place."""
    ec_level = _EC_LEVELS[int(rng.integers(len(_EC_LEVELS)))]
    modules = qr_modules(payload, ec_level)
    n = modules.shape[0]
    if variant == "small_modules":
        module_px = float(rng.uniform(2.0, 2.8))
    else:
        module_px = float(rng.uniform(3.5, 8.0))
    side = n * module_px
    side = min(side, HEIGHT * 0.95)
    cx = float(rng.uniform(side / 2 + 5, WIDTH - side / 2 - 5))
    cy = float(rng.uniform(side / 2 + 5, HEIGHT - side / 2 - 5))
    angle = math.radians(float(rng.uniform(-180, 180) if rng.random() < 0.3 else rng.normal(0, 12)))
    corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], dtype=np.float32) * (side / 2)
    if variant == "perspective":
        # Tilt: one edge foreshortened by 25-40 %, plus jitter.
        shrink = float(rng.uniform(0.25, 0.40))
        edge = int(rng.integers(4))
        a, b = edge, (edge + 1) % 4
        mid = (corners[a] + corners[b]) / 2
        corners[a] = mid + (corners[a] - mid) * (1 - shrink)
        corners[b] = mid + (corners[b] - mid) * (1 - shrink)
        corners += rng.normal(0, side * 0.03, size=(4, 2)).astype(np.float32)
    else:
        corners += rng.normal(0, side * 0.015, size=(4, 2)).astype(np.float32)
    rot = np.array(
        [[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]], dtype=np.float32
    )
    dst = (corners @ rot.T + np.array([cx, cy], dtype=np.float32)).astype(np.float32)

    if variant == "low_contrast":
        dark, light = float(rng.uniform(85, 110)), float(rng.uniform(145, 170))
    else:
        dark, light = float(rng.uniform(10, 55)), float(rng.uniform(190, 245))
    k = 8  # source pixels per module, so the warp samples well
    source = np.where(np.kron(modules, np.ones((k, k), np.uint8)) == 1, dark, light)
    source = source.astype(np.float32)
    src_side = float(n * k)
    src = np.array([[0, 0], [src_side, 0], [src_side, src_side], [0, src_side]], dtype=np.float32)
    # Work on the bounding box only (plus room for a phone bezel).
    pad = 20
    x0 = max(int(dst[:, 0].min()) - pad, 0)
    y0 = max(int(dst[:, 1].min()) - pad, 0)
    x1 = min(int(dst[:, 0].max()) + pad + 1, WIDTH)
    y1 = min(int(dst[:, 1].max()) + pad + 1, HEIGHT)
    roi = scene[y0:y1, x0:x1]
    local = (dst - np.array([x0, y0], dtype=np.float32)).astype(np.float32)
    matrix = cv2.getPerspectiveTransform(src, local)
    size = (x1 - x0, y1 - y0)
    warped = cv2.warpPerspective(source, matrix, size, flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.ones_like(source), matrix, size, flags=cv2.INTER_LINEAR)
    # A phone screen has a dark bezel around the quiet zone; paper has none.
    if rng.random() < 0.4:
        bezel = cv2.dilate(mask, np.ones((2 * pad - 9, 2 * pad - 9), np.uint8)) - mask
        roi *= (1.0 - np.clip(bezel, 0, 1) * 0.85)[:, :, None]
    tint = rng.uniform(0.92, 1.08, size=3).astype(np.float32)
    roi *= (1.0 - mask)[:, :, None]
    roi += (warped * mask)[:, :, None] * tint


def _make_frame(rng: np.random.Generator, index: int, variant: str, kind: str) -> Frame:
    scene = _background(rng)
    expected: str | None = None
    if variant != NO_CODE:
        expected = _payload(rng, kind)
        _place_code(rng, scene, expected, variant)
    light_strength = 0.6 if variant == "low_contrast" else float(rng.uniform(0.1, 0.5))
    scene *= _lighting(rng, light_strength)[:, :, None]
    if variant == "low_contrast":
        scene = scene * 0.7 + 25.0
    # Optics: always a little defocus; heavy in the blur variant.
    if variant == "blur":
        if rng.random() < 0.5:
            sigma = float(rng.uniform(1.2, 2.0))
            scene = np.asarray(cv2.GaussianBlur(scene, (0, 0), sigma), dtype=np.float32)
        else:
            length = int(rng.integers(5, 10))
            kernel = np.zeros((length, length), np.float32)
            kernel[length // 2, :] = 1.0 / length
            centre = (length / 2 - 0.5, length / 2 - 0.5)
            turn = cv2.getRotationMatrix2D(centre, float(rng.uniform(0, 180)), 1.0)
            kernel = np.asarray(cv2.warpAffine(kernel, turn, (length, length)), np.float32)
            kernel /= max(float(kernel.sum()), 1e-6)
            scene = np.asarray(cv2.filter2D(scene, -1, kernel), dtype=np.float32)
    else:
        sigma = float(rng.uniform(0.5, 0.9))
        scene = np.asarray(cv2.GaussianBlur(scene, (0, 0), sigma), dtype=np.float32)
    sigma_noise = float(rng.uniform(12, 22)) if variant == "noise" else float(rng.uniform(1, 4))
    # Sensor noise, mostly luminance (one draw shared by the three channels keeps this fast).
    grain = rng.standard_normal(size=(HEIGHT, WIDTH), dtype=np.float32) * np.float32(sigma_noise)
    scene += grain[:, :, None]
    image = np.clip(scene, 0, 255).astype(np.uint8)
    name = f"{index:04d}-{variant}" + (f"-{kind}" if expected is not None else "")
    return Frame(name=name, variant=variant, image=image, expected=expected)


def iter_frames(
    count: int = 150, *, no_code: int = 30, seed: int = DEFAULT_SEED
) -> Iterator[Frame]:
    """Yield ``count`` frames with a code, then ``no_code`` frames without one.

    Variants and payload kinds are cycled; everything else is drawn from ``seed``.
    """
    kinds = ("url", "token", "chinese", "ticket")
    for i in range(count):
        rng = np.random.default_rng([seed, i])
        variant = CODE_VARIANTS[i % len(CODE_VARIANTS)]
        kind = kinds[(i // len(CODE_VARIANTS)) % len(kinds)]
        yield _make_frame(rng, i, variant, kind)
    for j in range(no_code):
        rng = np.random.default_rng([seed, count + j])
        yield _make_frame(rng, count + j, NO_CODE, "")


def generate_frames(
    count: int = 150, *, no_code: int = 30, seed: int = DEFAULT_SEED
) -> list[Frame]:
    """All frames of :func:`iter_frames` as a list."""
    return list(iter_frames(count, no_code=no_code, seed=seed))
