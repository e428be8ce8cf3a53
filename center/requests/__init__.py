"""The center's resident requests (您来点单 我来办): what the kiosks hand over, kept with its
description, mobile number and photo sealed, assigned, noted and closed by staff (every
action audited), its response tracked against the category's promise, and its personal data
deleted a configurable number of days after it is done or closed.

- :mod:`center.requests.api`: ``POST /v1/requests``, ``GET /v1/requests/{code}`` and
  ``POST /v1/requests/{code}/rating`` for authenticated terminals;
- :mod:`center.requests.store`: the encrypted store on the center's database, its
  transitions, audit, response times, daily report and retention (the staff console builds
  on its functions: ``list_requests``, ``show``, ``photo``, ``assign``, ``update``,
  ``resolve``, ``close_request``, ``audit_trail``, ``report``);
- :mod:`center.requests.cli`: ``center requests list|show|assign|update|close|audit|report|
  purge``.
"""
