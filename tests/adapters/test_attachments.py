"""Photos and documents from customers and staff: what is accepted, what is kept, who can see it."""
from __future__ import annotations

import aiohttp
import pytest
from sqlalchemy import func, select

from adapters.attachments import checks
from routing.models import Attachment, Message
from tests.adapters import attachment_samples as samples
from tests.chat_client import ChatClient
from tests.servers import STAFF_TOKEN, running_server

LIMITS = {"max_bytes": 10 * 1024 * 1024, "max_pixels": 40_000_000}
BAD_FILES = {
    "an executable named .jpg": ("holiday.jpg", samples.executable, "unsupported_type"),
    "a zip bomb disguised as a PNG": ("bag.png", samples.png_bomb, "too_many_pixels"),
    "a PDF with JavaScript": ("receipt.pdf", samples.pdf_with_javascript, "active_content"),
    "a PDF hiding its JavaScript in a name escape": ("r.pdf", lambda: samples.pdf_with_javascript(True),
                                                     "active_content"),
    "an empty file": ("empty.jpg", lambda: b"", "empty"),
    "a truncated photo": ("cut.jpg", lambda: samples.photo_with_location()[:400], "corrupt"),
}


def staff(name: str) -> dict:
    return {"Authorization": f"Bearer {STAFF_TOKEN}", "X-Staff-Name": name}


@pytest.mark.parametrize("what", BAD_FILES)
def test_bad_files_are_refused_with_a_reason_from_their_content(what):
    filename, make, code = BAD_FILES[what]
    with pytest.raises(checks.Refused) as refused:
        checks.inspect(make(), filename, **LIMITS)
    assert refused.value.code == code and str(refused.value)


def test_a_photo_keeps_its_pixels_and_loses_its_location_and_camera():
    original = samples.photo_with_location()
    assert samples.has_location(original)
    clean = checks.inspect(original, "IMG_2041.JPG", **LIMITS)
    assert clean.content_type == "image/jpeg" and clean.filename == "IMG_2041.jpg"
    assert (clean.width, clean.height) == (96, 64) and clean.thumbnail
    assert not samples.has_location(clean.data) and b"LP-15" not in clean.data


def test_the_type_comes_from_the_bytes_not_the_name():
    assert checks.inspect(samples.small_png(), "scan.pdf", **LIMITS).content_type == "image/png"
    assert checks.inspect(samples.plain_pdf(), "photo.jpg", **LIMITS).filename == "photo.pdf"


def test_a_file_name_cannot_carry_a_path_or_markup():
    clean = checks.inspect(samples.small_png(), "../../etc/<script>passwd.png", **LIMITS)
    assert clean.filename == "script_passwd.png"


async def _upload(http, server_url: str, token: str, data: bytes, filename: str, client_id: str = "f1"):
    form = aiohttp.FormData()
    form.add_field("id", client_id)
    form.add_field("file", data, filename=filename, content_type="application/octet-stream")
    response = await http.post(server_url + "/chat/attachments", data=form,
                               headers={"Authorization": f"Bearer {token}"})
    return response.status, await response.json()


async def _count(runtime, model) -> int:
    return await runtime.store.read(lambda session: session.execute(select(func.count()).select_from(model))
                                    .scalar_one())


async def test_a_customers_photo_becomes_a_message_with_a_signed_link_that_serves_it_clean(server, http):
    customer = ChatClient(http, server.ws_url)
    await customer.connect()
    status, ack = await _upload(http, server.url, customer.token, samples.photo_with_location(), "bag.jpg")
    assert status == 200 and ack["type"] == "ack" and ack["duplicate"] is False
    echo = await customer.next_frame(lambda f: f["type"] == "message" and f.get("id") == "f1")
    attachment = echo["attachment"]
    assert echo["seq"] == ack["seq"] and attachment["kind"] == "image" and attachment["name"] == "bag.jpg"
    served = await http.get(attachment["url"])
    body = await served.read()
    assert served.status == 200 and served.content_type == "image/jpeg" and not samples.has_location(body)
    assert (await http.get(attachment["thumb_url"])).status == 200
    # Llamita cannot look at it and says so; the same upload sent again is stored once.
    assert "received" in (await customer.message_from("bot"))["text"]
    status, again = await _upload(http, server.url, customer.token, samples.photo_with_location(), "bag.jpg")
    assert status == 200 and again["duplicate"] is True and again["seq"] == ack["seq"]
    assert await _count(server.runtime, Attachment) == 1
    await customer.close()


async def test_links_cannot_be_forged_reused_after_expiry_or_obtained_by_another_conversation(server, http):
    customer, stranger = ChatClient(http, server.ws_url), ChatClient(http, server.ws_url)
    await customer.connect()
    await stranger.connect()
    await _upload(http, server.url, customer.token, samples.small_png(), "a.png")
    url = (await customer.next_frame(lambda f: f["type"] == "message" and "attachment" in f))["attachment"]["url"]
    assert (await http.get(url[:-4] + "0000")).status == 403
    expired = url.split("?")[0] + "?exp=1000&sig=" + url.split("sig=")[1]
    assert (await http.get(expired)).status == 403
    attachment_id = url.split("/attachments/")[1].split("/")[0]
    asked = await http.post(server.url + "/chat/attachments/links", json={"ids": [attachment_id]},
                            headers={"Authorization": f"Bearer {stranger.token}"})
    assert (await asked.json())["attachments"] == {}
    mine = await http.post(server.url + "/chat/attachments/links", json={"ids": [attachment_id]},
                           headers={"Authorization": f"Bearer {customer.token}"})
    assert (await http.get((await mine.json())["attachments"][attachment_id]["url"])).status == 200
    await customer.close()
    await stranger.close()


@pytest.mark.parametrize("what", ["an executable named .jpg", "a zip bomb disguised as a PNG",
                                  "a PDF with JavaScript", "an empty file"])
async def test_a_bad_upload_is_refused_clearly_and_nothing_is_stored(server, http, what):
    filename, make, code = BAD_FILES[what]
    customer = ChatClient(http, server.ws_url)
    await customer.connect()
    status, answer = await _upload(http, server.url, customer.token, make(), filename)
    assert status in (400, 413, 415) and answer["code"] == code and answer["message"]
    assert await _count(server.runtime, Attachment) == 0 and await _count(server.runtime, Message) == 0
    assert not list((server.runtime.settings.data_dir / "attachments").rglob("*"))
    await customer.close()


async def test_an_oversized_file_is_refused_before_it_is_read_whole(tmp_path, http):
    url = f"sqlite+aiosqlite:///{tmp_path / 'llamita.sqlite3'}"
    async with running_server(tmp_path, url, LLAMITA_ATTACHMENT_MAX_MB="0.5") as server:
        customer = ChatClient(http, server.ws_url)
        await customer.connect()
        status, answer = await _upload(http, server.url, customer.token, b"\xff\xd8\xff" + b"\0" * 600_000, "a.jpg")
        assert status == 413 and answer["code"] == "too_large" and "0.5 MB" in answer["message"]
        assert await _count(server.runtime, Attachment) == 0
        await customer.close()


async def test_a_flood_of_uploads_is_rate_limited_like_messages(tmp_path, http):
    url = f"sqlite+aiosqlite:///{tmp_path / 'llamita.sqlite3'}"
    async with running_server(tmp_path, url, LLAMITA_UPLOADS_BURST="2", LLAMITA_UPLOADS_PER_MINUTE="1") as server:
        customer = ChatClient(http, server.ws_url)
        await customer.connect()
        answers = [await _upload(http, server.url, customer.token, samples.small_png(), "a.png", f"f{n}")
                   for n in range(3)]
        assert [status for status, _ in answers] == [200, 200, 429]
        assert answers[2][1]["code"] == "rate_limited" and answers[2][1]["retry_after"] > 0
        await customer.close()


async def test_an_unknown_session_token_cannot_upload(server, http):
    status, answer = await _upload(http, server.url, "not-a-session", samples.small_png(), "a.png")
    assert status == 401 and answer["code"] == "session_expired"


async def test_staff_send_a_document_to_the_customer_from_the_desk(server, http):
    customer = ChatClient(http, server.ws_url)
    await customer.connect()
    await customer.send("I want to talk to a person")
    await customer.message_from("bot")
    [case] = await (await http.get(server.url + "/desk/api/cases", headers=staff("Ana"))).json()
    await http.post(f"{server.url}/desk/api/cases/{case['id']}/claim", headers=staff("Ana"))
    form = aiohttp.FormData()
    form.add_field("id", "d1")
    form.add_field("file", samples.plain_pdf(), filename="voucher.pdf")
    sent = await http.post(f"{server.url}/desk/api/cases/{case['id']}/attachments", data=form, headers=staff("Ana"))
    answer = await sent.json()
    assert sent.status == 200 and answer["to_customer"] is True
    frame = await customer.next_frame(lambda f: f["type"] == "message" and f["author"] == "staff")
    assert frame["attachment"]["name"] == "voucher.pdf" and frame["attachment"]["kind"] == "pdf"
    served = await http.get(frame["attachment"]["url"])
    assert served.status == 200 and "attachment" in served.headers["Content-Disposition"]
    shown = await (await http.get(f"{server.url}/desk/api/cases/{case['id']}", headers=staff("Ana"))).json()
    assert shown["messages"][-1]["attachment"]["name"] == "voucher.pdf"
    await customer.close()
