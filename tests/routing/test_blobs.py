"""Where attachments' bytes live: the data directory, or an S3-compatible store (boto3 against a local
stand-in that speaks the three S3 calls Llamita makes, over a real socket)."""
from __future__ import annotations

import pytest
from aiohttp import web

from routing.blobs import FileBlobStore, S3BlobStore
from routing.config import ConfigError, S3Settings, attachment_settings_from
from tests.servers import free_port


async def test_files_are_written_whole_and_read_back(tmp_path):
    blobs = FileBlobStore(tmp_path / "attachments")
    await blobs.put("abcDEF123_-x", b"photo", "image/jpeg")
    assert await blobs.get("abcDEF123_-x") == b"photo"
    assert not [p for p in (tmp_path / "attachments").rglob(".upload-*")]
    await blobs.delete("abcDEF123_-x")
    assert await blobs.get("abcDEF123_-x") is None


async def test_a_key_cannot_walk_out_of_the_store(tmp_path):
    with pytest.raises(ValueError):
        await FileBlobStore(tmp_path).put("../../etc/passwd", b"x", "text/plain")


class S3StandIn:
    """PUT, GET and DELETE of objects, path-style, as an S3-compatible store answers them."""

    def __init__(self):
        self.objects: dict[str, tuple[bytes, str]] = {}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    async def start(self):
        app = web.Application()
        app.router.add_route("*", "/{bucket}/{key:.+}", self.handle)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()

    async def handle(self, request: web.Request) -> web.Response:
        path = f"{request.match_info['bucket']}/{request.match_info['key']}"
        assert request.headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=test-key/")
        if request.method == "PUT":
            self.objects[path] = (await request.read(), request.headers.get("Content-Type", ""))
            return web.Response(headers={"ETag": '"e"'})
        if request.method == "DELETE":
            self.objects.pop(path, None)
            return web.Response(status=204)
        if path not in self.objects:
            return web.Response(status=404, content_type="application/xml",
                                text="<Error><Code>NoSuchKey</Code><Message>none</Message></Error>")
        data, kind = self.objects[path]
        return web.Response(body=data, content_type=kind)


async def test_an_s3_compatible_store_keeps_the_bytes_under_the_prefix(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret")
    stand_in = S3StandIn()
    await stand_in.start()
    try:
        blobs = S3BlobStore(S3Settings(bucket="llamita", endpoint_url=stand_in.url, region="us-east-1"))
        await blobs.put("abc123", b"\xff\xd8\xff photo", "image/jpeg")
        assert stand_in.objects["llamita/attachments/abc123"] == (b"\xff\xd8\xff photo", "image/jpeg")
        assert await blobs.get("abc123") == b"\xff\xd8\xff photo"
        assert await blobs.get("missing") is None
        await blobs.delete("abc123")
        assert stand_in.objects == {}
    finally:
        await stand_in.runner.cleanup()


def test_attachment_settings_are_checked_at_start():
    assert attachment_settings_from({"LLAMITA_ATTACHMENT_MAX_MB": "2.5"}).max_bytes == int(2.5 * 1024 * 1024)
    s3 = attachment_settings_from({"LLAMITA_S3_BUCKET": "b", "LLAMITA_S3_PREFIX": "llamita"}).s3
    assert s3.bucket == "b" and s3.prefix == "llamita/"
    for bad in ({"LLAMITA_ATTACHMENT_MAX_MB": "lots"}, {"LLAMITA_ATTACHMENT_MAX_MB": "0"},
                {"LLAMITA_S3_BUCKET": "b", "LLAMITA_S3_ENDPOINT_URL": "minio:9000"},
                {"LLAMITA_ATTACHMENT_LINK_SECONDS": "5"}):
        with pytest.raises(ConfigError):
            attachment_settings_from(bad)
