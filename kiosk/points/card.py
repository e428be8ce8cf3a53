"""A printable points card (demo): the member's QR token, masked name and id, card number.

85.6 x 54 mm (ID-1) at 300 dpi. The QR code carries a ``card`` token signed by the issuer's
key (:class:`~kiosk.points.tokens.TokenSigner`); the kiosk accepts it until it expires or a
newer card replaces it.
"""

from __future__ import annotations

from datetime import datetime

import qrcode
from PIL import Image, ImageDraw, ImageFont

from kiosk.framework.masking import mask_member_id
from kiosk.points.model import mask_name

FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
WIDTH, HEIGHT = 1012, 638


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.truetype(FONT, size)
    except OSError:
        return ImageFont.load_default()


def render_card(
    token: str, *, member_id: str, name: str, card_no: int, valid_until: datetime
) -> Image.Image:
    """The card as an RGB image; personal data on it is masked."""
    card = Image.new("RGB", (WIDTH, HEIGHT), "#fffaf0")
    d = ImageDraw.Draw(card)
    d.rectangle((0, 0, WIDTH, 110), fill="#c0392b")
    d.text((40, 22), "志愿服务积分卡", font=_font(52), fill="#ffffff")
    d.text((560, 40), "Volunteer points card", font=_font(34), fill="#ffffff")
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2, box_size=6)
    qr.add_data(token)
    qr.make(fit=True)
    code = qr.make_image(fill_color="black", back_color="white").get_image().convert("RGB")
    code = code.resize((440, 440), Image.Resampling.NEAREST)
    card.paste(code, (40, 150))
    x = 520
    d.text((x, 170), mask_name(name), font=_font(64), fill="#222222")
    d.text((x, 270), f"会员号 {mask_member_id(member_id)}", font=_font(38), fill="#333333")
    d.text((x, 330), f"卡号 No. {card_no}", font=_font(38), fill="#333333")
    d.text((x, 390), f"有效期至 {valid_until:%Y-%m-%d}", font=_font(38), fill="#333333")
    d.text((x, 480), "在自助终端扫码兑换积分", font=_font(30), fill="#666666")
    d.text((x, 525), "Scan at the kiosk to redeem", font=_font(28), fill="#666666")
    return card
