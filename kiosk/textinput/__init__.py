"""Chinese text input without Qt: handwriting recognition and the rules for typed text.

- :mod:`kiosk.textinput.handwriting`: ``HandwritingRecogniser`` (Zinnia re-ranked by shape,
  field priors and stroke count), ``RawZinnia`` (the engine alone), ``available()``.
- :mod:`kiosk.textinput.zinnia`: the ctypes binding to Debian's ``libzinnia0``.
- :mod:`kiosk.textinput.priors`: character frequency, name and place priors (jieba), the
  province abbreviations, stroke counts (Unihan).
- :mod:`kiosk.textinput.rules`: ``validate_name`` / ``validate_address`` /
  ``validate_description`` with stable reason codes and translation keys.
- :mod:`kiosk.textinput.cli`: ``kiosk handwriting FILE...``.

The Qt component that uses them is ``ui/framework/text_entry``. Nothing here keeps what a
resident wrote or typed: the engine's buffer is cleared after each character.
"""

CONTEXTS = ("any", "surname", "name", "province", "address")
"""The kinds of field a character is recognised for (light: the command line names them
without loading the recogniser and its tables)."""
