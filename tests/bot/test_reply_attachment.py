"""A reply's file survives the JSON the inbox stores (to answer again after a crash)."""

from __future__ import annotations

from bot.reply import Attachment, Reply, from_json, to_json


def test_an_attachment_round_trips_byte_for_byte() -> None:
    data = bytes(range(256)) * 4  # every byte value, as a PDF holds them
    reply = Reply(
        title="Export of PANGEA-18 (PDF).",
        private=True,
        attachment=Attachment("PANGEA-18-20261126-1000.pdf", "application/pdf", data),
    )
    again = from_json(to_json(reply))
    assert again == reply
    assert again.attachment is not None and again.attachment.data == data


def test_a_reply_without_one_stays_without() -> None:
    assert from_json(to_json(Reply(title="x"))).attachment is None
    # a reply stored before attachments existed
    stored = to_json(Reply(title="x")).replace(',"attachment":null', "")
    assert "attachment" not in stored
    assert from_json(stored).attachment is None
