"""The fake Slack's external file upload, driven by the real slack_sdk: the whole flow served,
and each misstep (a parameter the method does not take, a missing one, a length that is not
what was announced, completing a file never uploaded, an unknown DM) caught as a violation."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.sandbox.fakes.slack import FakeSlack
from adapters.sandbox.fakes.slack_spec import load_spec, validate_call


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        fake.add_user("U2", name="carl")
        fake.add_channel("C1", name="hq")
        yield fake


@pytest.fixture
async def client(slack: FakeSlack) -> AsyncIterator[AsyncWebClient]:
    client = AsyncWebClient(token=slack.bot_token, base_url=slack.api_url)
    yield client
    if client.session is not None:
        await client.session.close()


def test_the_supplement_describes_the_two_methods_the_official_spec_lacks() -> None:
    spec = load_spec()
    upload = spec.method("files.getUploadURLExternal")
    complete = spec.method("files.completeUploadExternal")
    assert upload is not None and complete is not None
    assert {p.name for p in upload.params.values() if p.required} == {"filename", "length"}
    assert {p.name for p in complete.params.values() if p.required} == {"files"}
    assert {"channel_id", "initial_comment", "thread_ts"} <= set(complete.params)
    assert validate_call("files.getUploadURLExternal", {"filename": "a.pdf", "length": "x"})
    assert validate_call("files.completeUploadExternal", {"channel_id": "D2"})


async def test_a_file_uploaded_into_a_dm_the_sdks_way(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    opened = await client.conversations_open(users="U2")
    dm = opened["channel"]["id"]
    assert dm == "D2"
    done = await client.files_upload_v2(
        channel=dm, content=b"%PDF-1.7 ...", filename="x.pdf", title="x", initial_comment="Here"
    )
    assert done["file"]["name"] == "x.pdf"
    [shared] = slack.files.files_in("D2")
    assert (shared.data, shared.title, shared.initial_comment) == (b"%PDF-1.7 ...", "x", "Here")
    assert [c.method for c in slack.calls] == [
        "conversations.open",
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]
    slack.assert_no_violations()


async def test_an_unknown_parameter_or_a_missing_one_is_a_violation(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    with pytest.raises(SlackApiError):
        await client.api_call(
            "files.getUploadURLExternal", params={"filename": "x.pdf", "length": 3, "size": 3}
        )
    with pytest.raises(SlackApiError):
        await client.api_call("files.getUploadURLExternal", params={"filename": "x.pdf"})
    assert any("unknown parameter 'size'" in v for v in slack.violations), slack.violations
    assert any("missing required parameter 'length'" in v for v in slack.violations)


async def test_bytes_that_are_not_the_announced_length_are_refused(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    url = await client.files_getUploadURLExternal(filename="x.pdf", length=10)
    async with aiohttp.ClientSession() as http:
        response = await http.post(str(url["upload_url"]), data=b"short")
        assert response.status == 400
    assert any("5 bytes sent, 10 announced" in v for v in slack.violations), slack.violations
    with pytest.raises(SlackApiError):  # and so it cannot be completed
        await client.files_completeUploadExternal(files=[{"id": str(url["file_id"])}])


async def test_completing_what_was_never_uploaded_or_into_an_unknown_dm_fails(
    slack: FakeSlack, client: AsyncWebClient
) -> None:
    url = await client.files_getUploadURLExternal(filename="x.md", length=2)
    with pytest.raises(SlackApiError):
        await client.files_completeUploadExternal(files=[{"id": str(url["file_id"]), "title": "x"}])
    assert any("was not uploaded" in v for v in slack.violations), slack.violations
    async with aiohttp.ClientSession() as http:
        assert (await http.post(str(url["upload_url"]), data=b"ok")).status == 200
    with pytest.raises(SlackApiError) as refused:
        await client.files_completeUploadExternal(
            files=[{"id": str(url["file_id"])}], channel_id="D9"
        )
    assert refused.value.response["error"] == "channel_not_found"
    assert not slack.files.shared
