from __future__ import annotations

import logging
from pathlib import Path

from kiosk.framework.masking import mask_id_number, mask_member_id, mask_plate, mask_text
from kiosk.platform.log_setup import setup_logging


def test_masks_follow_the_domain_formats() -> None:
    assert mask_id_number("110101199003071234") == "110***********1234"
    assert mask_plate("苏D43210") == "苏D4***0"
    assert mask_plate("京AD12345") == "京AD****5"
    assert mask_member_id("M20230517") == "M2*****17"


def test_free_text_is_masked() -> None:
    text = "身份证11010119900307123X 车牌 粤B12345学 token MT1.abc.def 其他"
    masked = mask_text(text)
    assert "11010119900307123X" not in masked and "110***********123X" in masked
    assert "粤B12345" not in masked and "粤B1***5学" in masked
    assert "MT1.abc.def" not in masked and "MT1.<redacted>" in masked
    assert masked.endswith("其他")


def test_log_file_never_holds_the_unmasked_values(tmp_path: Path) -> None:
    setup_logging(tmp_path)
    try:
        log = logging.getLogger("kiosk.test")
        log.warning("lookup for %s plate %s", "110101199003071234", "苏D43210")
        try:
            raise ValueError("bad id 110101199003071234")
        except ValueError:
            log.exception("failed")
        for handler in logging.getLogger().handlers:
            handler.flush()
        content = (tmp_path / "kiosk.log").read_text(encoding="utf-8")
        assert "110***********1234" in content and "苏D4***0" in content
        assert "110101199003071234" not in content and "苏D43210" not in content
    finally:
        setup_logging(None)


def test_names_mobiles_addresses_and_status_secrets_are_masked() -> None:
    from kiosk.framework.masking import mask_address, mask_mobile, mask_name

    assert mask_name("张三") == "张*"
    assert mask_name("阿依古丽·买买提") == "阿" + "*" * 7
    assert mask_mobile("13812345678") == "138****5678"
    assert mask_address("北京市东城区景山前街4号院2号楼") == "北京市东城区********"
    logged = mask_text(
        "call 13812345678; GET /v1/applications/SQ20261202-K7Q2M9?token=abcDEF_123 failed;"
        " scanned AP1.SQ20261202-K7Q2M9.abcDEF_123 and RQ1.RQ20261202-ABCDEF.tok"
    )
    assert "13812345678" not in logged and "138****5678" in logged
    assert "abcDEF_123" not in logged and "tok" not in logged.split("RQ1.")[1]
