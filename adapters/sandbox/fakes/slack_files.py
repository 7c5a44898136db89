"""The fake Slack's side of file uploads into direct messages: conversations.open and the
external upload (files.getUploadURLExternal, a POST of the bytes to the URL it gave,
files.completeUploadExternal), each checked as Slack documents it.

The two files.* methods are missing from Slack's published OpenAPI file: their parameters come
from a small supplement in the same form (specs/slack/files-upload-external.json, loaded by
slack_spec), so the fake validates their names, types and required ones like every other
call's; this module checks what the spec cannot say (the upload's length, the `files` list,
that each file was uploaded once before it is completed).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

if TYPE_CHECKING:
    from adapters.sandbox.fakes.slack import FakeSlack

JsonDict = dict[str, Any]
UPLOAD_PATH = "/upload/{file_id}"
FILE_KEYS = frozenset({"id", "title", "highlight_type"})


@dataclass
class SharedFile:
    """A file the bot uploaded and shared (files.completeUploadExternal)."""

    id: str
    filename: str
    data: bytes = field(repr=False)
    title: str | None = None
    channel: str | None = None
    initial_comment: str | None = None
    thread_ts: str | None = None


@dataclass
class _Upload:
    filename: str
    length: int
    data: bytes | None = None
    completed: bool = False


def direct_message(user_id: str) -> str:
    """The id of a person's direct message with the bot (U2: D2, as tests write it)."""
    return "D" + user_id[1:]


class SlackFiles:
    """Uploads held by one FakeSlack; `shared` lists the files in the order they were shared."""

    def __init__(self, fake: FakeSlack) -> None:
        self.fake = fake
        self.shared: list[SharedFile] = []
        self.opened: dict[str, str] = {}  # DM id -> user
        self._uploads: dict[str, _Upload] = {}
        self._ids = itertools.count(1)

    def files_in(self, channel: str) -> list[SharedFile]:
        return [f for f in self.shared if f.channel == channel]

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post(UPLOAD_PATH, self._upload)

    def handlers(self) -> dict[str, Callable[[JsonDict], JsonDict]]:
        return {
            "conversations.open": self._open,
            "files.getUploadURLExternal": self._get_upload_url,
            "files.completeUploadExternal": self._complete,
        }

    def _refuse(self, method: str, problem: str, error: str = "invalid_arguments") -> JsonDict:
        self.fake._violation(method, problem)
        return {"ok": False, "error": error}

    def _open(self, params: JsonDict) -> JsonDict:
        users = str(params.get("users") or "")
        if not users:
            if params.get("channel") in self.opened:
                return {"ok": True, "channel": {"id": params["channel"]}, "already_open": True}
            return self._refuse("conversations.open", "needs users (or the channel of a DM)")
        people = users.split(",")
        if len(people) != 1 or not people[0].startswith(("U", "W")):
            return {"ok": False, "error": "user_not_found"}
        channel = direct_message(people[0])
        already = channel in self.opened
        self.opened[channel] = people[0]
        return {"ok": True, "channel": {"id": channel}, "already_open": already}

    def _get_upload_url(self, params: JsonDict) -> JsonDict:
        length = int(params["length"])  # the spec's check made sure it is an integer
        if length <= 0:
            return self._refuse("files.getUploadURLExternal", "length must be positive")
        file_id = f"F{next(self._ids):08d}"
        self._uploads[file_id] = _Upload(str(params["filename"]), length)
        url = self.fake.base_url + UPLOAD_PATH.format(file_id=file_id).lstrip("/")
        return {"ok": True, "upload_url": url, "file_id": file_id}

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        pending = self._uploads.get(file_id)
        data = await request.read()
        if pending is None or pending.data is not None:
            self.fake._violation("upload", f"no upload URL (or already used) for {file_id}")
            return web.Response(status=404, text="not found")
        if len(data) != pending.length:
            self.fake._violation(
                "upload", f"{file_id}: {len(data)} bytes sent, {pending.length} announced"
            )
            return web.Response(status=400, text="length mismatch")
        pending.data = data
        self.fake._notify()
        return web.Response(text=f"OK - {len(data)}")

    def _complete(self, params: JsonDict) -> JsonDict:
        method = "files.completeUploadExternal"
        try:
            files = json.loads(params["files"])
        except (TypeError, ValueError):
            return self._refuse(method, "files must be a JSON list of {id, title}")
        if not isinstance(files, list) or not files:
            return self._refuse(method, "files must be a non-empty JSON list of {id, title}")
        for item in files:
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                return self._refuse(method, f"each file needs a string id: {item!r}")
            if set(item) - FILE_KEYS or not isinstance(item.get("title", ""), str):
                return self._refuse(method, f"a file is {{id, title}}: {item!r}")
            upload = self._uploads.get(item["id"])
            if upload is None or upload.data is None or upload.completed:
                return self._refuse(method, f"{item['id']} was not uploaded, or completed twice")
        channel = params.get("channel_id")
        if channel is not None and channel not in self.opened:
            if channel.startswith("D") and channel not in self.fake.channels:
                return {"ok": False, "error": "channel_not_found"}  # a DM never opened
            self.fake._check_channel(channel)  # a channel: as chat.postMessage checks it
        shown = []
        for item in files:
            upload = self._uploads[item["id"]]
            upload.completed = True
            assert upload.data is not None
            self.shared.append(
                SharedFile(
                    item["id"],
                    upload.filename,
                    upload.data,
                    item.get("title"),
                    channel,
                    params.get("initial_comment"),
                    params.get("thread_ts"),
                )
            )
            shown.append(
                {
                    "id": item["id"],
                    "name": upload.filename,
                    "title": item.get("title") or upload.filename,
                    "size": len(upload.data),
                }
            )
        self.fake._notify()
        return {"ok": True, "files": shown}
