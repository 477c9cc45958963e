"""A downloaded result is read for its upload whole when small, in pieces when large,
and every attempt (a retry after 429) reads it afresh from the start."""

from __future__ import annotations

from pathlib import Path

from aiogram import Bot

from bot.telegram.files import READ_AT_ONCE, UPLOAD_CHUNK, ResultUpload


async def pieces(upload: ResultUpload) -> list[bytes]:
    return [chunk async for chunk in upload.read(Bot("1:A"))]


async def test_a_small_file_is_read_in_one_piece(tmp_path: Path) -> None:
    path = tmp_path / "result.png"
    content = bytes(range(256)) * (READ_AT_ONCE // 256)  # exactly the limit
    path.write_bytes(content)
    upload = ResultUpload(path, filename="result.png")
    assert await pieces(upload) == [content]
    assert await pieces(upload) == [content]  # again, for a second attempt
    assert upload.filename == "result.png"


async def test_a_large_file_is_read_in_pieces(tmp_path: Path) -> None:
    path = tmp_path / "result.mp4"
    content = bytes(range(251)) * (READ_AT_ONCE // 251 * 2 + 3)  # just over twice the limit
    path.write_bytes(content)
    upload = ResultUpload(path, filename="clip.mp4")
    for _attempt in range(2):
        read = await pieces(upload)
        assert b"".join(read) == content
        assert [len(piece) for piece in read[:-1]] == [UPLOAD_CHUNK] * (len(read) - 1)
        assert len(read) == -(-len(content) // UPLOAD_CHUNK)
