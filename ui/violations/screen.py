"""The violations screen: one page per flow state, following the flow."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from ui.framework.flow_screen import FlowScreen
from ui.violations.pages import PAGES, SecretPage

ENTRY_STATES = ("plate_entry", "secret", "licence_entry", "plate_confirm")


class ViolationsScreen(FlowScreen):
    """Renders a ``ViolationsFlow``; every touch becomes a flow event.

    Attributes:
        speak: says a text when voice prompts are on (the feature sets it); the owner-name
            entry speaks through it when the resident switches input methods.
    """

    name = "violations"
    title_key = "violations.title"
    home_key = "violations.home"
    home_name = "viol_home"
    pages_types = PAGES
    #: 选择查询方式 → 输入车辆或驾驶证信息 → 查看结果; an error shows no step
    steps: ClassVar[dict[str, int]] = {
        "choose_mode": 1,
        "plate_type": 2,
        "plate_entry": 2,
        "plate_confirm": 2,
        "secret": 2,
        "licence_entry": 2,
        "looking_up": 3,
        "pending": 3,
        "results": 3,
        "record_detail": 3,
        "receipt": 3,
    }

    def __init__(self) -> None:
        super().__init__()
        self.speak: Callable[[str], None] | None = None
        self.secret_page.say = lambda text: self.speak(text) if self.speak is not None else None

    @property
    def secret_page(self) -> SecretPage:
        page = self.pages["secret"]
        assert isinstance(page, SecretPage)
        return page

    def show_flow(self) -> None:
        flow = self.flow
        if flow is not None and flow.state not in ENTRY_STATES:
            # past entry: what was typed stays only in the flow (masked on screen from now on)
            for state in ENTRY_STATES:
                self.pages[state].wipe()
        super().show_flow()

    def prompt_text(self) -> str:
        """The owner-name entry's prompt while it is on show, else the state's."""
        if self.flow is not None and self.flow.state == "secret":
            entry_prompt = self.secret_page.prompt_text()
            if entry_prompt:
                return entry_prompt
        return super().prompt_text()

    def set_elder(self, elder: bool) -> None:
        super().set_elder(elder)
        self.secret_page.set_elder(elder)
