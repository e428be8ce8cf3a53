"""The design system: colour tokens with their contrast pairs, a type scale for standard and
elder mode, spacing, radii, elevation, and the component styles (QSS) every screen uses.

Sizes are logical pixels at the 1080x1920 reference. The terminals' screens are about 96 dpi
logical, so 1 pt = 96/72 px: 18 pt (the MIIT 适老化 floor for elder main text) is 24 px, and
60 dp (its touch-target floor; 1 dp = 1/160 inch) is 36 px. The house sizes are well above
both: no text under 28 px (38 px in elder mode), touch targets at least 88 px (120 px in elder
mode). Every text colour is paired with the backgrounds it may sit on, and each pair is at
least 4.5:1 (WCAG 2.x contrast, which the MIIT specification adopts); ``CONTRAST_PAIRS`` lists
them and the unit tests check them.

Screen code takes colours and sizes from here (tokens, ``metrics()``, QSS roles), never its
own literals. Roles are set with ``widget.setProperty("role", ...)``; the ones in use:

- labels: ``title``, ``hero``, ``display``, ``lead``, ``muted``, ``clock``, ``caption``,
  ``tile_title``, ``toast``, ``price``, ``stock``, ``step``, ``countdown``, ``badge``,
  ``status_title``, ``status_body``, ``status_next``, ``attract_start``, ``attract_title``,
  ``attract_body``, ``attract_clock``, ``list_item``, ``problem`` (what is wrong with an
  entry, in the danger colour);
- buttons: default (secondary), ``primary``, ``danger``, ``quiet``, ``tile``, ``key``;
- frames: ``card``, ``cardButton``, ``scrim``, ``dialog``, ``header``, ``footer``,
  ``status`` (with ``tone``), ``attract_stage``, ``attract_start_pill``, ``list``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGraphicsDropShadowEffect, QWidget

# -- colour tokens ------------------------------------------------------------------------------
PRIMARY = "#0B4F9C"  # 政务蓝: headings, primary buttons, tile titles
PRIMARY_DARK = "#083B75"  # pressed primary; the attract stage
PRIMARY_SOFT = "#E3ECF8"  # pressed secondary, header band, selected rows
BACKGROUND = "#F4F7FB"
SURFACE = "#FFFFFF"
SURFACE_SUNKEN = "#EAF0F7"  # list rows, footers
BORDER = "#8A9BB0"  # decorative outlines only (never text)
TEXT = "#1F2D3D"
MUTED = "#44546A"
ON_PRIMARY = "#FFFFFF"
ON_DARK_MUTED = "#D6E2F3"  # secondary text on PRIMARY_DARK (attract)
SUCCESS = "#1B6E3A"
SUCCESS_SOFT = "#E4F3E9"
WARNING = "#8A5A00"
WARNING_SOFT = "#FFF3D9"
DANGER = "#B3261E"
DANGER_SOFT = "#FBE9E7"
INFO = PRIMARY
INFO_SOFT = PRIMARY_SOFT
PRICE = "#A33A00"  # 积分 price: warm and bold, 6.0:1 on white
DISABLED_BG = "#E3E8EF"
DISABLED_TEXT = "#4A5563"  # 7.0:1 on DISABLED_BG: a disabled tile still reads clearly
SCRIM = "rgba(15, 25, 40, 170)"
CAMERA_BACKDROP = "#20262E"  # behind the camera picture (and where no camera is)
OUTLINE_OK = "#2E9E44"  # the face outline once the pose is right (on the picture, no text)
OUTLINE_IDLE = "#FFFFFF"  # the face outline while the pose is not yet right

Tone = Literal["success", "warning", "refusal", "waiting", "info"]

#: (foreground, background) of each status tone; the icon and headline use the foreground.
TONES: dict[str, tuple[str, str]] = {
    "success": (SUCCESS, SUCCESS_SOFT),
    "warning": (WARNING, WARNING_SOFT),
    "refusal": (DANGER, DANGER_SOFT),
    "waiting": (PRIMARY, PRIMARY_SOFT),
    "info": (PRIMARY, PRIMARY_SOFT),
}

#: Every text/background pair the styles use, each meant to be >= 4.5:1.
CONTRAST_PAIRS: tuple[tuple[str, str, str], ...] = (
    ("text on background", TEXT, BACKGROUND),
    ("text on surface", TEXT, SURFACE),
    ("text on sunken", TEXT, SURFACE_SUNKEN),
    ("muted on background", MUTED, BACKGROUND),
    ("muted on surface", MUTED, SURFACE),
    ("muted on sunken", MUTED, SURFACE_SUNKEN),
    ("primary on background", PRIMARY, BACKGROUND),
    ("primary on surface", PRIMARY, SURFACE),
    ("primary on soft", PRIMARY, PRIMARY_SOFT),
    ("on-primary on primary", ON_PRIMARY, PRIMARY),
    ("on-primary on primary-dark", ON_PRIMARY, PRIMARY_DARK),
    ("on-dark-muted on primary-dark", ON_DARK_MUTED, PRIMARY_DARK),
    ("success on success-soft", SUCCESS, SUCCESS_SOFT),
    ("warning on warning-soft", WARNING, WARNING_SOFT),
    ("danger on danger-soft", DANGER, DANGER_SOFT),
    ("danger on surface", DANGER, SURFACE),
    ("danger on background", DANGER, BACKGROUND),
    ("warning on background", WARNING, BACKGROUND),
    ("price on surface", PRICE, SURFACE),
    ("disabled text on disabled", DISABLED_TEXT, DISABLED_BG),
    ("white on text (toast)", ON_PRIMARY, TEXT),
    ("text on status soft", TEXT, SUCCESS_SOFT),
)

MIN_CONTRAST = 4.5

#: (vertical, horizontal) padding of the header's step chip, px
CHIP_PADDING = (6, 16)


# -- units --------------------------------------------------------------------------------------
LOGICAL_DPI = 96.0


def pt_to_px(pt: float) -> float:
    """Points to logical pixels at the kiosk's ~96 dpi (18 pt = 24 px)."""
    return pt * LOGICAL_DPI / 72.0


def dp_to_px(dp: float) -> float:
    """Android-style density-independent pixels (1/160 inch) to logical pixels at 96 dpi."""
    return dp * LOGICAL_DPI / 160.0


def relative_luminance(color: QColor | str) -> float:
    """WCAG 2.x relative luminance of an sRGB colour (alpha ignored)."""
    c = QColor(color)

    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF()) + 0.0722 * channel(c.blueF())


def contrast_ratio(a: QColor | str, b: QColor | str) -> float:
    """WCAG contrast ratio of two colours, 1.0 to 21.0."""
    la, lb = relative_luminance(a), relative_luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


# -- type scale, spacing, radii, elevation ------------------------------------------------------
@dataclass(frozen=True)
class Metrics:
    """Pixel sizes for one mode (type scale, target sizes, spacing and radii)."""

    body: int
    small: int
    title: int
    hero: int
    tile_title: int
    target: int
    spacing: int
    lead: int = 0
    display: int = 0
    giant: int = 0
    icon: int = 0
    icon_large: int = 0
    space_s: int = 0
    space_l: int = 0
    radius_s: int = 12
    radius_m: int = 16
    radius_l: int = 24
    scrollbar: int = 24


def metrics(elder: bool, scale: float = 1.35) -> Metrics:
    """Sizes for standard or elder mode (text x ``scale``; targets 88 px, 120 px elder)."""
    s = scale if elder else 1.0
    return Metrics(
        body=round(32 * s),
        small=round(28 * s),
        title=round(52 * s),
        hero=round(64 * s),
        tile_title=round(48 * s),
        target=120 if elder else 88,
        scrollbar=32 if elder else 24,
        spacing=round(24 * s),
        lead=round(42 * s),
        display=round(80 * s),
        giant=round(104 * s),
        icon=round(44 * s),
        icon_large=round(160 * s),
        space_s=round(12 * s),
        space_l=round(40 * s),
    )


#: (blur radius, y offset, alpha) per elevation level; 0 is flat.
ELEVATION: tuple[tuple[int, int, int], ...] = ((0, 0, 0), (12, 2, 40), (24, 6, 56), (40, 12, 72))


def elevate(widget: QWidget, level: int) -> None:
    """Lifts ``widget`` off the page with a soft shadow (level 0 removes it)."""
    if level <= 0:
        widget.setGraphicsEffect(None)  # type: ignore[arg-type]
        return
    blur, dy, alpha = ELEVATION[min(level, len(ELEVATION) - 1)]
    effect = QGraphicsDropShadowEffect(widget)
    effect.setBlurRadius(blur)
    effect.setOffset(0, dy)
    effect.setColor(QColor(15, 25, 40, alpha))
    widget.setGraphicsEffect(effect)


def tone_colors(tone: str) -> tuple[str, str]:
    """(foreground, soft background) of a status tone; unknown tones read as info."""
    return TONES.get(tone, TONES["info"])


# -- component styles ---------------------------------------------------------------------------
def _status_rules(m: Metrics) -> str:
    rules = []
    for tone, (fg, bg) in TONES.items():
        rules.append(
            f'QFrame[role="status"][tone="{tone}"] {{ background: {SURFACE}; '
            f"border-top: 16px solid {fg}; border-radius: {m.radius_l}px; }}\n"
            f'QFrame[role="status"][tone="{tone}"] QLabel[role="status_title"] {{ color: {fg}; }}\n'
            f'QLabel[role="status_icon"][tone="{tone}"] {{ background: {bg}; '
            f"border-radius: {m.icon_large // 2 + 24}px; }}"
        )
    return "\n".join(rules)


def stylesheet(elder: bool, scale: float = 1.35) -> str:
    """The application's QSS for the given mode."""
    m = metrics(elder, scale)
    return f"""
    QWidget#shell, QStackedWidget, QWidget[screen="true"] {{ background: {BACKGROUND}; }}
    QScrollArea[role="scroll"], QWidget[role="scroll_content"] {{ background: transparent; }}
    /* a bar wide enough to see from a step back and to drag with a finger */
    QScrollBar:vertical {{
        width: {m.scrollbar}px; background: {SURFACE_SUNKEN};
        border-radius: {m.scrollbar // 2}px; margin: 0px;
    }}
    QScrollBar::handle:vertical {{
        background: {PRIMARY}; border-radius: {m.scrollbar // 2}px; min-height: {m.target}px;
    }}
    QScrollBar::add-line:vertical, QScrollBar::sub-line:vertical {{ height: 0px; }}
    QScrollBar::add-page:vertical, QScrollBar::sub-page:vertical {{ background: none; }}
    QLabel {{ color: {TEXT}; font-size: {m.body}px; }}
    QLabel[role="title"] {{ font-size: {m.title}px; font-weight: bold; color: {PRIMARY}; }}
    QLabel[role="hero"] {{ font-size: {m.hero}px; font-weight: bold; color: {PRIMARY}; }}
    QLabel[role="display"] {{ font-size: {m.display}px; font-weight: bold; color: {PRIMARY}; }}
    QLabel[role="card_title"] {{ font-size: {m.body}px; font-weight: bold; color: {PRIMARY}; }}
    QLabel[role="tile_title"] {{
        font-size: {m.tile_title}px; font-weight: bold; color: {PRIMARY};
    }}
    /* the label's own state: "QPushButton:disabled QLabel" stays grey after a tile comes on */
    QLabel[role="tile_title"]:disabled, QLabel[role="muted"]:disabled {{ color: {DISABLED_TEXT}; }}
    QLabel[role="lead"] {{ font-size: {m.lead}px; color: {TEXT}; }}
    QLabel[role="muted"] {{ font-size: {m.small}px; color: {MUTED}; }}
    QLabel[role="clock"] {{ font-size: {m.title}px; color: {MUTED}; }}
    QLabel[role="caption"] {{ font-size: {m.title}px; color: {PRIMARY}; font-weight: bold; }}
    QLabel[role="toast"] {{
        background: {TEXT}; color: {ON_PRIMARY}; border-radius: {m.radius_m}px; padding: 24px;
        font-size: {m.body}px;
    }}
    QLabel[role="price"] {{ font-size: {m.lead}px; font-weight: bold; color: {PRICE}; }}
    QLabel[role="stock"] {{ font-size: {m.small}px; color: {MUTED}; }}
    QLabel[role="stock"][level="out"] {{ color: {DANGER}; font-weight: bold; }}
    QLabel[role="badge"] {{
        background: {DANGER}; color: {ON_PRIMARY}; font-size: {m.small}px; font-weight: bold;
        border-radius: {m.radius_s}px; padding: 2px 14px;
    }}
    QLabel[role="list_item"] {{
        background: {SURFACE_SUNKEN}; border-radius: {m.radius_s}px; padding: 12px 20px;
    }}
    QLabel[level="offline"] {{ color: {DANGER}; }}
    QLabel[level="degraded"] {{ color: {WARNING}; }}
    QLabel[level="problem"], QLabel[role="problem"] {{ color: {DANGER}; font-weight: bold; }}

    QPushButton {{
        min-height: {m.target}px; min-width: {m.target}px; font-size: {m.body}px;
        border-radius: {m.radius_m}px; padding: 8px 28px; background: {SURFACE}; color: {PRIMARY};
        border: 3px solid {PRIMARY};
    }}
    QPushButton:pressed {{ background: {PRIMARY}; color: {ON_PRIMARY}; }}
    QPushButton[role="primary"] {{ background: {PRIMARY}; color: {ON_PRIMARY}; font-weight: bold; }}
    QPushButton[role="primary"]:pressed {{ background: {PRIMARY_DARK}; }}
    QPushButton[role="danger"] {{
        background: {DANGER}; color: {ON_PRIMARY}; border-color: {DANGER};
    }}
    QPushButton[role="quiet"] {{ border-color: transparent; background: transparent; }}
    QPushButton[role="quiet"]:pressed {{ background: {PRIMARY_SOFT}; color: {PRIMARY}; }}
    QPushButton:disabled {{
        background: {DISABLED_BG}; color: {DISABLED_TEXT}; border-color: {DISABLED_BG};
    }}
    QPushButton[role="tile"] {{
        min-height: {m.target * 2}px; padding: {m.spacing}px; border-radius: {m.radius_l}px;
        border: 3px solid {PRIMARY_SOFT}; border-bottom: 6px solid {PRIMARY};
    }}
    QPushButton[role="tile"]:pressed {{ background: {PRIMARY_SOFT}; }}
    QPushButton[role="tile"]:disabled {{
        background: {DISABLED_BG}; border-color: {DISABLED_BG};
    }}
    QPushButton[role="key"] {{
        min-width: 60px; min-height: {m.target}px; padding: 0px; font-size: {m.tile_title}px;
        border-width: 2px;
    }}

    QFrame[role="cardButton"] {{
        background: {SURFACE}; border: 3px solid {PRIMARY}; border-radius: {m.radius_m}px;
    }}
    QFrame[role="cardButton"][down="true"] {{ background: {PRIMARY_SOFT}; }}
    QFrame[role="cardButton"]:disabled {{ background: {DISABLED_BG}; border-color: {DISABLED_BG}; }}
    QFrame[role="cardButton"] QLabel:disabled {{ color: {DISABLED_TEXT}; }}
    QFrame[role="card"] {{ background: {SURFACE}; border-radius: {m.radius_l}px; }}
    QFrame[role="dialog"] {{ background: {SURFACE}; border-radius: {m.radius_l}px; }}
    QFrame[role="list"] {{ background: {SURFACE}; border-radius: {m.radius_m}px; }}
    QFrame[role="scrim"] {{ background: {SCRIM}; }}

    QFrame[role="header"] {{
        background: {SURFACE}; border-radius: {m.radius_m}px; border-bottom: 4px solid {PRIMARY};
    }}
    QLabel[role="step"] {{
        font-size: {m.small}px; font-weight: bold; color: {PRIMARY};
        background: {PRIMARY_SOFT}; border-radius: {m.radius_s}px;
        padding: {CHIP_PADDING[0]}px {CHIP_PADDING[1]}px;
    }}
    QLabel[role="countdown"] {{
        font-size: {m.small}px; color: {WARNING}; background: {WARNING_SOFT};
        border-radius: {m.radius_s}px; padding: 6px 16px;
    }}
    QFrame[role="footer"] {{ background: transparent; }}

    QLabel[role="status_icon"] {{ background: transparent; }}
    QLabel[role="status_title"] {{ font-size: {m.hero}px; font-weight: bold; color: {PRIMARY}; }}
    QLabel[role="status_body"] {{ font-size: {m.lead}px; color: {TEXT}; }}
    QLabel[role="status_next"] {{
        font-size: {m.body}px; color: {TEXT}; font-weight: bold;
        background: {SURFACE_SUNKEN}; border-radius: {m.radius_m}px; padding: 16px 24px;
    }}
    {_status_rules(m)}

    QWidget[role="attract_stage"] {{ background: {PRIMARY_DARK}; }}
    QLabel[role="attract_title"] {{
        font-size: {m.title}px; font-weight: bold; color: {ON_PRIMARY};
    }}
    QLabel[role="attract_clock"] {{ font-size: {m.title}px; color: {ON_DARK_MUTED}; }}
    QLabel[role="attract_start"] {{
        font-size: {m.giant}px; font-weight: bold; color: {PRIMARY_DARK};
        background: {SURFACE}; border-radius: {m.radius_l * 2}px; padding: 24px 64px;
    }}
    QLabel[role="attract_start"][pulse="true"] {{ background: {PRIMARY_SOFT}; }}
    QLabel[role="attract_hint"] {{ font-size: {m.lead}px; color: {ON_DARK_MUTED}; }}
    """
