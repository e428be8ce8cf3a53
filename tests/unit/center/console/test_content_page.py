"""The content page: the playlist with its schedule and previews; media kept by hash and
published with a configuration."""

from __future__ import annotations

import hashlib
import io
import re

from PIL import Image

from center.fleet.publish import current_document
from kiosk.fleet.document import Audience
from tests.unit.center.console.conftest import ConsoleClient, Served, csrf_of


def _png(colour: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), colour).save(out, "PNG")
    return out.getvalue()


def _upload(c: ConsoleClient, name: str, data: bytes) -> object:
    token = csrf_of(c.get("/console/content").text)
    return c.post(
        "/console/content/media",
        {"csrf_token": token},
        files={"file": (name, data, "application/octet-stream")},
    )


def test_the_playlist_shows_every_item_with_schedule_and_verified_previews(
    served: Served,
) -> None:
    op = served.client("op")
    page = op.get("/console/content").text
    assert "poster-three-nos" in page and "正在排期" in page
    previews = re.findall(r'<img src="(/console/content/media/[0-9a-f]{64})"', page)
    assert previews
    image = op.get(previews[0])
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert hashlib.sha256(image.content).hexdigest() == previews[0].rsplit("/", 1)[1]
    assert op.get("/console/content/media/" + "0" * 64).status_code == 404
    assert ConsoleClient(served.url).get(previews[0]).status_code == 303  # needs a session


def test_media_are_kept_by_hash_once_and_checked(served: Served) -> None:
    op = served.client("op")
    data = _png("red")
    digest = hashlib.sha256(data).hexdigest()
    first = _upload(op, "Poster.PNG", data)
    assert first.status_code == 303  # type: ignore[attr-defined]
    assert first.headers["location"].endswith(f"uploaded_as=sha256-{digest}.png")  # type: ignore[attr-defined]
    assert _upload(op, "again.png", data).status_code == 303  # type: ignore[attr-defined]
    kept = list((served.data_dir / "content" / "media").glob(f"sha256-{digest}*"))
    assert [p.name for p in kept] == [f"sha256-{digest}.png"]
    assert op.get(f"/console/content/media/{digest}").content == data
    refused = _upload(op, "notes.txt", b"hello")
    assert refused.status_code == 422 and "只接受" in refused.text  # type: ignore[attr-defined]
    disguised = _upload(op, "fake.png", b"GIF89a not a png")
    assert disguised.status_code == 422 and "扩展名不符" in disguised.text  # type: ignore[attr-defined]


def test_uploaded_media_go_out_with_a_published_configuration(served: Served) -> None:
    op = served.client("op")
    data = _png("blue")
    name = f"sha256-{hashlib.sha256(data).hexdigest()}.png"
    _upload(op, "blue.png", data)
    answer = op.form(
        "/console/config?audience=kiosk:k-media",
        "/console/config/publish",
        {
            "audience": "kiosk:k-media",
            "text": "[ui]\nvolume = 10\n",
            "media": [name, "../../etc/passwd"],
        },
    )
    assert answer.status_code == 303
    repo = served.fleet.repo()
    doc = current_document(repo, Audience.parse("kiosk:k-media"))
    assert doc is not None and doc.media == [f"media/{name}"]
    target = repo.target(f"media/{name}")
    assert target is not None and repo.target_file(target).read_bytes() == data
