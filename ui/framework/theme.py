"""The look: a calm government-service palette and sizes that scale for elder mode.

Sizes are pixels at the 1080x1920 reference. No text is under 28 px; touch targets are at
least 80 px (120 px in elder mode).
"""

from __future__ import annotations

from dataclasses import dataclass

PRIMARY = "#0B4F9C"
PRIMARY_DARK = "#083B75"
BACKGROUND = "#F4F7FB"
SURFACE = "#FFFFFF"
TEXT = "#1F2D3D"
MUTED = "#44546A"
DANGER = "#B3261E"
WARNING = "#8A5A00"
DISABLED_BG = "#E3E8EF"
DISABLED_TEXT = "#4A5563"  # 7.0:1 on DISABLED_BG: a disabled tile still reads clearly


@dataclass(frozen=True)
class Metrics:
    """Pixel sizes for one mode."""

    body: int
    small: int
    title: int
    hero: int
    tile_title: int
    target: int
    spacing: int


def metrics(elder: bool, scale: float = 1.35) -> Metrics:
    """Sizes for standard or elder mode (text x ``scale``, targets 120 px)."""
    s = scale if elder else 1.0
    return Metrics(
        body=round(32 * s),
        small=round(28 * s),
        title=round(52 * s),
        hero=round(64 * s),
        tile_title=round(48 * s),
        target=120 if elder else 80,
        spacing=round(24 * s),
    )


def stylesheet(elder: bool, scale: float = 1.35) -> str:
    """The application's QSS for the given mode."""
    m = metrics(elder, scale)
    return f"""
    QWidget#shell, QStackedWidget, QWidget[screen="true"] {{ background: {BACKGROUND}; }}
    QLabel {{ color: {TEXT}; font-size: {m.body}px; }}
    QLabel[role="title"] {{ font-size: {m.title}px; font-weight: bold; color: {PRIMARY}; }}
    QLabel[role="hero"] {{ font-size: {m.hero}px; font-weight: bold; color: {PRIMARY}; }}
    QLabel[role="tile_title"] {{
        font-size: {m.tile_title}px; font-weight: bold; color: {PRIMARY};
    }}
    QPushButton:disabled QLabel[role="tile_title"] {{ color: {DISABLED_TEXT}; }}
    QLabel[role="lead"] {{ font-size: {round(m.title * 0.8)}px; color: {TEXT}; }}
    QLabel[role="muted"] {{ font-size: {m.small}px; color: {MUTED}; }}
    QLabel[role="clock"] {{ font-size: {m.title}px; color: {MUTED}; }}
    QLabel[role="caption"] {{ font-size: {m.title}px; color: {PRIMARY}; font-weight: bold; }}
    QLabel[role="toast"] {{
        background: {TEXT}; color: white; border-radius: 16px; padding: 24px;
        font-size: {m.body}px;
    }}
    QPushButton {{
        min-height: {m.target}px; min-width: {m.target}px; font-size: {m.body}px;
        border-radius: 16px; padding: 8px 28px; background: {SURFACE}; color: {PRIMARY};
        border: 3px solid {PRIMARY};
    }}
    QPushButton:pressed {{ background: {PRIMARY}; color: white; }}
    QPushButton[role="primary"] {{ background: {PRIMARY}; color: white; }}
    QPushButton[role="primary"]:pressed {{ background: {PRIMARY_DARK}; }}
    QPushButton:disabled {{
        background: {DISABLED_BG}; color: {DISABLED_TEXT}; border-color: {DISABLED_BG};
    }}
    QPushButton[role="tile"] {{
        min-height: {m.target * 2}px; padding: {m.spacing}px; border-radius: 24px;
    }}
    QPushButton[role="key"] {{
        min-width: 60px; min-height: {m.target}px; padding: 0px; font-size: {m.tile_title}px;
        border-width: 2px;
    }}
    QFrame[role="cardButton"] {{
        background: {SURFACE}; border: 3px solid {PRIMARY}; border-radius: 16px;
    }}
    QFrame[role="cardButton"][down="true"] {{ background: #DCE6F5; }}
    QFrame[role="card"] {{ background: {SURFACE}; border-radius: 24px; }}
    QFrame[role="scrim"] {{ background: rgba(15, 25, 40, 170); }}
    QLabel[level="offline"] {{ color: {DANGER}; }}
    QLabel[level="degraded"] {{ color: {WARNING}; }}
    """
