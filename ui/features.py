"""The features this kiosk offers, in the order of their home tiles.

The one place that names them: the shell takes this list and knows no feature by name.
Adding a service is adding its factory here (see docs/ARCHITECTURE.md, "Adding a service").
"""

from __future__ import annotations

from ui.framework.feature import FeatureFactory


def all_features() -> list[FeatureFactory]:
    """Every feature, imported when the shell is built (not when ``ui`` is imported)."""
    from ui.antifraud.feature import AntifraudFeature
    from ui.photo.feature import IdPhotoFeature
    from ui.points.feature import PointsFeature
    from ui.violations.feature import ViolationsFeature

    return [IdPhotoFeature, ViolationsFeature, AntifraudFeature, PointsFeature]
