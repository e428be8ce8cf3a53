"""The features this kiosk offers, in the order of their home tiles.

The one place that names them: the shell takes this list and knows no feature by name.
Adding a service is adding its factory here (see docs/ARCHITECTURE.md, "Adding a service").
"""

from __future__ import annotations

from collections.abc import Callable

from ui.framework.feature import Feature, FeatureFactory, Host


def all_features() -> list[FeatureFactory]:
    """Every feature, imported when the shell is built (not when ``ui`` is imported).

    The application takes its photo through the photo feature's ``take_photo``: the one
    capability handed from one feature to another here."""
    from ui.antifraud.feature import AntifraudFeature
    from ui.application.feature import ApplicationFeature
    from ui.photo.feature import IdPhotoFeature
    from ui.points.feature import PointsFeature
    from ui.requests.feature import FaceDetector, RequestsFeature
    from ui.violations.feature import ViolationsFeature

    photo: list[IdPhotoFeature] = []

    def make_photo(host: Host) -> Feature:
        photo.append(IdPhotoFeature(host))
        return photo[-1]

    def take_photo(preset: str, done: Callable[[bytes | None], None]) -> None:
        photo[-1].take_photo(preset, done)

    def make_application(host: Host) -> Feature:
        return ApplicationFeature(host, take_photo=take_photo)

    def face_detector() -> FaceDetector:  # the photo pipeline's, for the requests' photo check
        from kiosk.photo.face_analysis import FaceAnalyzer

        return FaceAnalyzer("still")

    def make_requests(host: Host) -> Feature:
        return RequestsFeature(host, face_detector=face_detector)

    return [
        make_application,
        make_photo,
        ViolationsFeature,
        AntifraudFeature,
        PointsFeature,
        make_requests,
    ]
