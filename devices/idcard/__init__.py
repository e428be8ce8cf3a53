"""The resident ID-card reader (GA 450 desktop readers on a serial port), one module a job:

- :mod:`~devices.idcard.model`: :class:`~devices.idcard.model.IdCard` (masked ``repr``), the
  sex and nation codes, validity against a day, the MOD 11-2 check.
- :mod:`~devices.idcard.protocol`: the SAM frames, the status bytes, the card's text layout,
  and what was checked against public documentation.
- :mod:`~devices.idcard.reader`: the reader interface, read outcomes and health reasons.
- :mod:`~devices.idcard.serial`: the real reader through pyserial, with reconnection.
- :mod:`~devices.idcard.simulated`: the twin with demo cards and every outcome.
- :mod:`~devices.idcard.settings` and :mod:`~devices.idcard.build`: settings, and the reader
  built from them.

The card's photo (WLT) is read past and dropped: never decoded, never stored.
pyserial is imported when a serial port is first opened, never by importing these modules.
"""
