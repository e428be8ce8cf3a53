"""The center's resident-ID applications (户籍自助办理): what the kiosks hand over, kept with
its personal fields and photo sealed, moved along by staff (every action audited), and its
personal data deleted a configurable number of days after it is final.

- :mod:`center.applications.api`: ``POST /v1/applications`` and ``GET
  /v1/applications/{no}`` for authenticated terminals;
- :mod:`center.applications.store`: the encrypted store, its transitions, audit and
  retention (the staff console builds on its functions too);
- :mod:`center.applications.cli`: ``center applications list|show|accept|return|produce|
  ready|collected|audit|purge``.
"""
