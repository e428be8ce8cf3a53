"""ID photos at the self-service kiosk (no Qt here).

Public entry points:

* :func:`kiosk.photo.pipeline.make_id_photo` / :class:`kiosk.photo.pipeline.IdPhotoMaker`:
  one picture to a compliant ID photo (JPEG bytes) or a refusal with stable reason codes;
* :class:`kiosk.photo.guidance.Guidance`: one instruction per camera frame and the head
  outline for the UI; :class:`kiosk.photo.autocapture.AutoCapture`: the 3-2-1 countdown;
* :func:`kiosk.photo.presets.load_presets`: formats and policy from
  ``config/photo_presets.toml``;
* :func:`kiosk.photo.cli.add_idphoto_command`: ``kiosk idphoto``.

Modules are imported on demand (MediaPipe loads only when an analyser is created).
"""

from kiosk.framework.catalog import ServiceInfo

SERVICE = ServiceInfo("id_photo", "service.id_photo", "service.id_photo.sub", ("camera", "printer"))
"""The home tile: id, texts and the devices the service cannot run without."""
