"""Anti-fraud content: the data (playlist, fraud-type cards, quiz, mirror scenarios), the
attract-loop scheduler, the content-addressed media store, and the quiz and mirror flows.

No Qt here: screens render what these objects expose and send them events.

- :mod:`kiosk.content.model`: the pydantic models of the content files.
- :mod:`kiosk.content.library`: :func:`load_content` reads and cross-checks ``config/content``.
- :mod:`kiosk.content.media`: :class:`MediaStore` resolves and verifies ``sha256:`` references.
- :mod:`kiosk.content.playlist`: :class:`Scheduler` picks the attract loop's next item.
- :mod:`kiosk.antifraud.quiz`: quiz sessions, :class:`QuizReward`, the :class:`PointsEarner`
  protocol.
- :mod:`kiosk.antifraud.quiz_flow`, :mod:`kiosk.antifraud.mirror`: the flows.
"""
