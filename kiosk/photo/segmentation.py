"""Person / background separation and background replacement without a halo.

The mask comes from MediaPipe selfie segmentation (models inside the installed wheel): the
*general* model (256x256 input) for still photos, the *landscape* model (144x256, about twice
as fast) for live use. Its mask is coarse (a 256 px grid stretched over the head), so the
edge is refined where it is used, at twice the output resolution:

1. a colour guided filter (He, Sun & Tang 2010) re-fits the soft mask to the photo's own
   edges, so hair and shoulders follow the picture rather than the 256 px grid, and the
   remaining ramp is steepened (``EDGE_GAIN``);
2. the colour of edge pixels is re-estimated without the old background ("colour
   decontamination"): where the mask is partly transparent, the old background colour
   (averaged from nearby sure-background pixels) is subtracted before blending onto the new
   one. Without this step a grey rim of the old wall stays around the hair (the "halo").

``bench/photo_pipeline.py --edges`` measures both steps on the corpus.

Threading: like :class:`kiosk.photo.face_analysis.FaceAnalyzer`, a :class:`PersonSegmenter`
is built once and serves one worker thread at a time (calls are serialised by a lock).
"""

from __future__ import annotations

import threading
from typing import Any, Literal, cast

import cv2
import numpy as np
import numpy.typing as npt

Image = npt.NDArray[np.uint8]
Mask = npt.NDArray[np.float32]

EDGE_GAIN = 2.5  # steepness applied to the guided-filter alpha (1.0: none)


class PersonSegmenter:
    """MediaPipe selfie segmentation: ``segment(bgr) -> float32 mask in [0, 1]`` (1 = person).

    ``model="general"`` for stills, ``"landscape"`` for live frames. Build once, reuse,
    :meth:`close` at the end; one worker thread at a time.
    """

    def __init__(self, model: Literal["general", "landscape"] = "general") -> None:
        import mediapipe as mp

        solutions: Any = mp.solutions
        self.model = model
        self._graph: Any = solutions.selfie_segmentation.SelfieSegmentation(
            model_selection=0 if model == "general" else 1
        )
        self._lock = threading.Lock()
        self._closed = False

    def __enter__(self) -> PersonSegmenter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Releases the MediaPipe graph (idempotent)."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._graph.close()

    def segment(self, image_bgr: Image) -> Mask:
        """The person mask at the image's own resolution."""
        rgb = cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB)
        with self._lock:
            if self._closed:
                raise RuntimeError("PersonSegmenter is closed")
            result = self._graph.process(rgb)
        mask = np.asarray(result.segmentation_mask, dtype=np.float32)
        return cast(Mask, np.clip(mask, 0.0, 1.0))


def _box(image: npt.NDArray[np.float32], radius: int) -> npt.NDArray[np.float32]:
    size = (2 * radius + 1, 2 * radius + 1)
    return cast(
        npt.NDArray[np.float32],
        cv2.boxFilter(image, -1, size, normalize=True, borderType=cv2.BORDER_REFLECT),
    )


def _resize(image: npt.NDArray[np.float32], size: tuple[int, int]) -> npt.NDArray[np.float32]:
    return cast(npt.NDArray[np.float32], cv2.resize(image, size, interpolation=cv2.INTER_LINEAR))


def guided_filter(
    guide_bgr: Image, mask: Mask, radius: int, eps: float, *, subsample: int = 1
) -> Mask:
    """Colour guided filter: ``mask`` re-fitted to the edges of ``guide_bgr`` (both same size).

    ``radius`` in pixels, ``eps`` the regularisation on a 0-1 colour scale (larger: smoother).
    ``subsample`` > 1 computes the linear coefficients on a smaller grid and applies them at
    full resolution (the "fast guided filter", He & Sun 2015).
    """
    h, w = mask.shape
    full = guide_bgr.astype(np.float32) / 255.0
    if subsample > 1:
        small_size = (max(1, w // subsample), max(1, h // subsample))
        guide = cv2.resize(full, small_size, interpolation=cv2.INTER_AREA)
        p = cv2.resize(mask.astype(np.float32), small_size, interpolation=cv2.INTER_AREA)
        r = max(1, radius // subsample)
    else:
        guide, p, r = full, mask.astype(np.float32), radius
    # One box filter over every product needed: I (3), p, I*p (3), I_i*I_j (6).
    prods = [guide[..., 0], guide[..., 1], guide[..., 2], p]
    prods += [guide[..., c] * p for c in range(3)]
    pairs = [(0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2)]
    prods += [guide[..., i] * guide[..., j] for i, j in pairs]
    means = _box(np.ascontiguousarray(np.stack(prods, axis=-1)), r)
    mi = [means[..., c] for c in range(3)]
    mp_ = means[..., 3]
    cov_ip = [means[..., 4 + c] - mi[c] * mp_ for c in range(3)]
    var = {pair: means[..., 7 + k] - mi[pair[0]] * mi[pair[1]] for k, pair in enumerate(pairs)}
    # Inverse of the symmetric 3x3 covariance in closed form (far faster than np.linalg).
    rr, rg, rb = var[(0, 0)] + eps, var[(0, 1)], var[(0, 2)]
    gg, gb, bb = var[(1, 1)] + eps, var[(1, 2)], var[(2, 2)] + eps
    i_rr, i_rg, i_rb = gg * bb - gb * gb, gb * rb - rg * bb, rg * gb - gg * rb
    i_gg, i_gb, i_bb = rr * bb - rb * rb, rg * rb - rr * gb, rr * gg - rg * rg
    inv_det = 1.0 / (rr * i_rr + rg * i_rg + rb * i_rb)
    c0, c1, c2 = cov_ip
    a0 = (i_rr * c0 + i_rg * c1 + i_rb * c2) * inv_det
    a1 = (i_rg * c0 + i_gg * c1 + i_gb * c2) * inv_det
    a2 = (i_rb * c0 + i_gb * c1 + i_bb * c2) * inv_det
    b = mp_ - a0 * mi[0] - a1 * mi[1] - a2 * mi[2]
    coeffs = _box(np.ascontiguousarray(np.stack([a0, a1, a2, b], axis=-1)), r)
    if subsample > 1:
        coeffs = _resize(coeffs, (w, h))
    q = (
        coeffs[..., 0] * full[..., 0]
        + coeffs[..., 1] * full[..., 1]
        + coeffs[..., 2] * full[..., 2]
        + coeffs[..., 3]
    )
    return cast(Mask, np.clip(q, 0.0, 1.0).astype(np.float32))


def refine_alpha(
    guide_bgr: Image, mask: Mask, *, scale: float = 1.0, gain: float = EDGE_GAIN
) -> Mask:
    """The soft mask refined to the picture's edges; ``scale`` = pixels per output pixel.

    The guided filter follows the picture's edges; ``gain`` then steepens what is left of the
    coarse mask's ramp (measured: the 10-90 % edge at the top of the head narrows from 6-9 to
    3-4 output pixels), so the top of the hair is where an inspector would see it and no soft
    dark rim remains where hair meets a dark wall. A sure-person core and the sure background
    are taken from the coarse mask, so a textured wall cannot leak in.
    """
    radius = max(2, round(4 * scale))
    subsample = max(1, round(scale))
    refined = guided_filter(guide_bgr, mask, radius, eps=1e-3, subsample=subsample)
    if gain != 1.0:
        refined = np.clip((refined - 0.5) * gain + 0.5, 0.0, 1.0).astype(np.float32)
    hard = (mask > 0.5).astype(np.uint8)
    band_px = max(3, round(6 * scale))
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * band_px + 1, 2 * band_px + 1))
    core = cv2.erode(hard, kernel).astype(bool)
    outside = ~cv2.dilate(hard, kernel).astype(bool)
    alpha = refined.copy()
    alpha[core] = 1.0
    alpha[outside] = 0.0
    # Feather the transition by half a pixel so no stair-steps remain after downsampling.
    return cast(Mask, cv2.GaussianBlur(alpha, (0, 0), sigmaX=0.5 * scale))


def _local_mean(
    image: npt.NDArray[np.float32], weight: npt.NDArray[np.float32], size: int
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Box-filtered weighted sum of ``image`` and of ``weight`` (normalised convolution)."""
    num = cv2.blur(image * weight[..., None], (size, size))
    den = cv2.blur(weight, (size, size))
    return cast(npt.NDArray[np.float32], num), cast(npt.NDArray[np.float32], den)


def composite(
    image_bgr: Image,
    alpha: Mask,
    background_bgr: tuple[int, int, int],
    *,
    decontaminate: bool = True,
    window: int = 15,
) -> Image:
    """``image`` over a flat background colour using ``alpha``, with colour decontamination.

    ``window``: side in pixels of the neighbourhood from which the old background colour and
    the nearby person colour are estimated for each partly transparent pixel.
    """
    img = image_bgr.astype(np.float32)
    a3 = alpha.astype(np.float32)[..., None]
    new_bg = np.array(background_bgr, dtype=np.float32)
    out = img * a3 + new_bg * (1.0 - a3)
    if decontaminate:
        band = (alpha > 0.01) & (alpha < 0.97)
        ys, xs = np.nonzero(band)
        if len(ys):
            bg_num, bg_den = _local_mean(img, (alpha < 0.05).astype(np.float32), window)
            fg_num, fg_den = _local_mean(img, (alpha > 0.95).astype(np.float32), window)
            pix = img[ys, xs]
            a = a3[ys, xs]
            bden = bg_den[ys, xs][:, None]
            fden = fg_den[ys, xs][:, None]
            old_bg = np.where(bden > 1e-3, bg_num[ys, xs] / np.maximum(bden, 1e-3), pix)
            fg_near = np.where(fden > 1e-3, fg_num[ys, xs] / np.maximum(fden, 1e-3), pix)
            # Solve I = aF + (1-a)B for F where the person dominates; where the pixel is
            # mostly old background (unstable solve) borrow the nearby person colour.
            solved = np.clip((pix - (1.0 - a) * old_bg) / np.maximum(a, 0.05), 0.0, 255.0)
            t = np.clip((a - 0.3) / 0.4, 0.0, 1.0)
            fg = t * solved + (1.0 - t) * fg_near
            out[ys, xs] = fg * a + new_bg * (1.0 - a)
    return cast(Image, np.clip(out + 0.5, 0, 255).astype(np.uint8))
