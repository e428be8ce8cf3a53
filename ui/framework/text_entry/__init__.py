"""Chinese text entry for any field a resident types: pinyin, handwriting, digits, plates.

:class:`~ui.framework.text_entry.entry.TextEntry` is the component (``entry.py``);
:func:`~ui.framework.text_entry.input_method.prepare_input_method` must run before the
``QApplication`` is made (it selects Qt Virtual Keyboard as the input context). This module
imports neither, so the start-up can prepare the input method without loading Qt Quick.
"""
