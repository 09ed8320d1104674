"""Where attachments' bytes live: outside the database, in the data directory or an S3-compatible store.

A BlobStore keeps bytes under a key. The files store writes each blob to a temporary file and renames it
into place (a reader never sees half a file); the S3 store uses boto3, imported only when S3 is configured
(pip install 'llamita[s3]'), its blocking calls run in worker threads.
"""
from __future__ import annotations

import asyncio
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

from routing.config import S3Settings

_KEY = re.compile(r"^[A-Za-z0-9_-]+(\.thumb)?$")


class BlobStore(Protocol):
    description: str

    async def put(self, key: str, data: bytes, content_type: str) -> None: ...

    async def get(self, key: str) -> bytes | None: ...

    async def delete(self, key: str) -> None: ...


def _checked(key: str) -> str:
    if not _KEY.match(key):
        raise ValueError(f"not a blob key: {key!r}")
    return key


class FileBlobStore:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.description = f"files in {self.root}"

    def _path(self, key: str) -> Path:
        key = _checked(key)
        return self.root / key[:2] / key

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(self._put, self._path(key), data)

    @staticmethod
    def _put(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        except BaseException:
            with _suppress():
                os.unlink(temporary)
            raise

    async def get(self, key: str) -> bytes | None:
        path = self._path(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            return None

    async def delete(self, key: str) -> None:
        with _suppress():
            await asyncio.to_thread(self._path(key).unlink)


class S3BlobStore:
    def __init__(self, settings: S3Settings):
        import boto3  # only deployments with LLAMITA_S3_BUCKET need it

        self.settings = settings
        self.client = boto3.client("s3", endpoint_url=settings.endpoint_url, region_name=settings.region)
        where = settings.endpoint_url or "AWS"
        self.description = f"S3 bucket {settings.bucket} ({where})"

    def _key(self, key: str) -> str:
        return self.settings.prefix + _checked(key)

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(self.client.put_object, Bucket=self.settings.bucket, Key=self._key(key), Body=data,
                                ContentType=content_type)

    async def get(self, key: str) -> bytes | None:
        def read() -> bytes | None:
            try:
                return self.client.get_object(Bucket=self.settings.bucket, Key=self._key(key))["Body"].read()
            except self.client.exceptions.NoSuchKey:
                return None
        return await asyncio.to_thread(read)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.client.delete_object, Bucket=self.settings.bucket, Key=self._key(key))


def blob_store(data_dir: Path, s3: S3Settings | None) -> BlobStore:
    return S3BlobStore(s3) if s3 is not None else FileBlobStore(Path(data_dir) / "attachments")


class _suppress:
    def __enter__(self):
        return self

    def __exit__(self, kind, _value, _traceback):
        return kind is not None and issubclass(kind, OSError)
