"""Who is in the sandbox: the demo's agencies, the chat each one is linked to, and its people.

The demo operation (bot.demo) brings the agencies; the sandbox gives each a chat on one of the
two platforms (a Telegram group or a Slack channel) and two or so people, invited by the local
administrator and joined from their own private chat with the bot, as anyone would.
"""

from __future__ import annotations

from dataclasses import dataclass

from adapters.sandbox.fakes.slack import FakeSlack
from adapters.sandbox.fakes.telegram import FakeTelegram

TELEGRAM, SLACK = "telegram", "slack"
SLACK_TEAM = "T0SANDBOX"
TELEGRAM_TOKEN = "7000000001:SANDBOX-not-a-real-token"
SLACK_BOT_TOKEN = "xoxb-sandbox-not-a-real-token"
SLACK_APP_TOKEN = "xapp-sandbox-not-a-real-token"


@dataclass(frozen=True)
class Person:
    """One of the demo's people: their account on their agency's platform."""

    key: str  # stable id for the page, e.g. "fr-claire"
    name: str
    role: str  # the member role the invite gives
    user_id: str  # Telegram user id (digits) or Slack user id (U...)
    timezone: str = "UTC"

    @property
    def first_name(self) -> str:
        return self.name.split(" ", 1)[0]

    @property
    def last_name(self) -> str | None:
        parts = self.name.split(" ", 1)
        return parts[1] if len(parts) > 1 else None


@dataclass(frozen=True)
class AgencyChat:
    """An agency of the demo, the chat it is linked to, and the people who use it."""

    agency: str
    platform: str
    chat_id: str  # Telegram group id (negative) or Slack channel id (C...)
    title: str  # group title or channel name
    people: tuple[Person, ...]

    def private_chat(self, person: Person) -> str:
        """The person's private chat with the bot: on Telegram the user id, on Slack the DM."""
        return person.user_id if self.platform == TELEGRAM else "D" + person.user_id[1:]


def _p(key: str, name: str, role: str, user_id: str, tz: str) -> Person:
    return Person(key, name, role, user_id, tz)


CAST: tuple[AgencyChat, ...] = (
    AgencyChat(
        "INTERPOL-GS",
        SLACK,
        "C0GS",
        "interpol-gs-ops",
        (
            _p("gs-maria", "Maria Rossi", "coordinator", "U0GSMARIA", "Europe/Paris"),
            _p("gs-jonas", "Jonas Berg", "supervisor", "U0GSJONAS", "Europe/Paris"),
        ),
    ),
    AgencyChat(
        "FR-OCLCTIC",
        TELEGRAM,
        "-4001",
        "OCLCTIC · PANGEA",
        (
            _p("fr-claire", "Claire Martin", "coordinator", "5001", "Europe/Paris"),
            _p("fr-hugo", "Hugo Bernard", "liaison", "5002", "Europe/Paris"),
        ),
    ),
    AgencyChat(
        "ES-UCO",
        SLACK,
        "C0ES",
        "uco-operaciones",
        (
            _p("es-lucia", "Lucía García", "coordinator", "U0ESLUCIA", "Europe/Madrid"),
            _p("es-pablo", "Pablo Ruiz", "liaison", "U0ESPABLO", "Europe/Madrid"),
        ),
    ),
    AgencyChat(
        "AR-PFA",
        TELEGRAM,
        "-4002",
        "PFA Cibercrimen",
        (
            _p("ar-diego", "Diego Fernández", "coordinator", "5003", "America/Buenos_Aires"),
            _p("ar-sofia", "Sofía López", "liaison", "5004", "America/Buenos_Aires"),
        ),
    ),
    AgencyChat(
        "SG-SPF",
        TELEGRAM,
        "-4003",
        "SPF Pangea desk",
        (
            _p("sg-weiling", "Wei Ling Tan", "coordinator", "5005", "Asia/Singapore"),
            _p("sg-arjun", "Arjun Nair", "liaison", "5006", "Asia/Singapore"),
        ),
    ),
    AgencyChat(
        "AE-DXB",
        TELEGRAM,
        "-4004",
        "شرطة دبي · PANGEA",
        (
            _p("ae-fatima", "Fatima Al Mansouri", "coordinator", "5007", "Asia/Dubai"),
            _p("ae-omar", "Omar Haddad", "liaison", "5008", "Asia/Dubai"),
        ),
    ),
    AgencyChat(
        "US-FDA-OCI",
        SLACK,
        "C0US",
        "fda-oci-watch",
        (
            _p("us-emily", "Emily Carter", "coordinator", "U0USEMILY", "America/New_York"),
            _p("us-ben", "Ben Walker", "observer", "U0USBEN", "America/New_York"),
        ),
    ),
)


def find_person(key: str) -> tuple[AgencyChat, Person] | None:
    """The agency chat and the person with this key."""
    for chat in CAST:
        for person in chat.people:
            if person.key == key:
                return chat, person
    return None


def furnish(tg: FakeTelegram, slack: FakeSlack) -> None:
    """Tell each fake platform of the chats and accounts of the cast."""
    for chat in CAST:
        if chat.platform == TELEGRAM:
            tg.add_chat(int(chat.chat_id), "group", title=chat.title)
            for person in chat.people:
                tg.add_chat(int(person.user_id), "private", first_name=person.first_name)
            continue
        slack.add_channel(chat.chat_id, name=chat.title, team_id=SLACK_TEAM)
        for person in chat.people:
            slack.add_user(
                person.user_id,
                name=person.first_name.lower(),
                real_name=person.name,
                team_id=SLACK_TEAM,
                tz=person.timezone,
            )
            slack.add_channel(chat.private_chat(person), name="directmessage", is_im=True)
