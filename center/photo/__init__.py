"""The center's photo intake: finished ID photos from the kiosks, kept encrypted for a
bounded time until the staff who process the application fetch them.

- :mod:`center.photo.api`: ``POST /v1/photos`` for authenticated terminals;
- :mod:`center.photo.checks`: what an upload must be (base64, SHA-256, size, a JPEG);
- :mod:`center.photo.store`: the encrypted store under the data directory, its retention;
- :mod:`center.photo.errors`: the typed refusals.
"""
