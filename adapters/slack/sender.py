"""Post replies to Slack channels within the bot's limits, and classify failures for the
delivery worker."""

from __future__ import annotations

from aiohttp import ClientError
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.render import messages
from bot.delivery import FailureKind, Ready, SendFailure, Sent, Withdrawn
from bot.limits import Limiter, local_limiter
from bot.reply import Attachment, Reply

PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "account_inactive",
        "invalid_auth",
        "token_revoked",
        "not_authed",
        "missing_scope",
        "restricted_action",
        "team_access_not_granted",
        "user_not_found",
        "msg_too_long",
        "invalid_blocks",
        "invalid_arguments",
    }
)


def classify(error: SlackApiError) -> SendFailure:
    """Retry-after, transient or permanent, from a Web API error."""
    response = error.response
    code = str(response.get("error", "")) if response is not None else ""
    status = response.status_code if response is not None else 0
    if status == 429 or code == "ratelimited":
        header = response.headers.get("Retry-After", response.headers.get("retry-after", "1"))
        try:
            seconds = float(header)
        except (TypeError, ValueError):
            seconds = 1.0
        return SendFailure(FailureKind.RETRY_AFTER, "ratelimited", retry_after=seconds)
    if code in PERMANENT_ERRORS:
        return SendFailure(FailureKind.PERMANENT, code)
    return SendFailure(FailureKind.TRANSIENT, code or f"HTTP {status}")


class SlackSender:
    """Outgoing messages through chat.postMessage, each in its turn under the bot's limits.

    The client's timeout (slack_sdk's default: 30 s, SEND_TIMEOUT) is how long a slow answer
    is waited for before the send counts as lost."""

    platform = "slack"

    def __init__(self, client: AsyncWebClient, *, limiter: Limiter | None = None) -> None:
        self.client = client
        self.limiter = limiter or local_limiter()

    async def send(self, chat_id: str, reply: Reply, *, ready: Ready | None = None) -> Sent:
        """Post every part of the reply; returns the last message's ts; raises SendFailure, or
        Withdrawn when `ready`, asked as the first part's turn nears, says no."""
        ts = ""
        for index, (text, blocks) in enumerate(messages(reply)):
            asked = ready if index == 0 else None
            if not await self.limiter.acquire(self.platform, chat_id, ready=asked):
                raise Withdrawn()
            try:
                response = await self.client.chat_postMessage(
                    channel=chat_id,
                    text=text,
                    blocks=blocks or None,
                    unfurl_links=False,
                    unfurl_media=False,
                )
            except SlackApiError as error:
                failure = classify(error)
                if failure.kind == FailureKind.RETRY_AFTER and failure.retry_after:
                    await self.limiter.defer(self.platform, chat_id, failure.retry_after)
                raise failure from error
            except (ClientError, TimeoutError, OSError) as error:
                raise SendFailure(FailureKind.TRANSIENT, type(error).__name__) from error
            ts = str(response.get("ts", ""))
        if reply.attachment is not None:
            await self.upload(chat_id, reply.attachment, comment=reply.title)
        return Sent(message_id=ts)

    async def upload(self, chat_id: str, file: Attachment, *, comment: str) -> str:
        """Send a file into a conversation, or to a person (a user id: their direct message with
        the bot, from conversations.open), by Slack's external upload: files.getUploadURLExternal,
        the bytes to the URL it gives, files.completeUploadExternal. Returns the conversation's
        id; raises SendFailure."""
        try:
            channel = chat_id
            if chat_id.startswith(("U", "W")):
                opened = await self.client.conversations_open(users=chat_id)
                channel = str((opened.get("channel") or {}).get("id", ""))
            await self.limiter.acquire(self.platform, channel)
            await self.client.files_upload_v2(
                channel=channel,
                content=file.data,
                filename=file.filename,
                title=file.filename,
                initial_comment=comment,
            )
        except SlackApiError as error:
            raise classify(error) from error
        except (ClientError, TimeoutError, OSError) as error:
            raise SendFailure(FailureKind.TRANSIENT, type(error).__name__) from error
        return channel
