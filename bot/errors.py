"""The one table from error type to user message. Only the dispatcher uses it."""

from __future__ import annotations

from bot.i18n import N_, Translated, Translator
from bot.parser import UsageError
from bot.permissions import who
from bot.reply import Reply, Tone
from bot.views import STATE_NAMES
from bot.when import Reason
from operations.enums import OperationStatus, TaskStatus
from operations.errors import (
    Conflict,
    DomainError,
    Invalid,
    InvalidTransition,
    NotFound,
    NotPermitted,
    Throttled,
)

STATES = frozenset({*TaskStatus, *OperationStatus})

KIND_NAMES = {
    "agency": N_("agency"),
    "operation": N_("operation"),
    "task": N_("task"),
    "invite": N_("invite code"),
    "channel": N_("chat"),
    "participation": N_("participation"),
    "identity": N_("account"),
    "member": N_("member"),
    "reminder": N_("reminder"),
    "result": N_("result"),
    "status_update": N_("status update"),
    "release": N_("release request"),
}

CONFLICTS = {
    ("agency", "exists"): N_("Agency {key} already exists."),
    ("operation", "exists"): N_("The operation code {key} is already taken."),
    ("participation", "exists"): N_("{agency} already takes part in {operation}."),
    ("channel", "already_linked"): N_("This chat is already linked to {key}."),
    ("invite", "used"): N_("Invite code {key} has already been used."),
    ("identity", "already_member"): N_("You have already joined; send whoami to see your role."),
    ("invite", "revoked"): N_("Invite {key} has been revoked."),
    ("invite", "expired"): N_("Invite {key} has already expired; there is nothing to revoke."),
    ("channel", "not_linked"): N_("This chat is not linked to any agency."),
    ("result", "withdrawn"): N_("Result {key} has already been withdrawn."),
    ("release", "approved"): N_("{key} has already been approved."),
    ("release", "rejected"): N_("{key} has already been rejected."),
    ("release", "failed"): N_("{key} was approved already (it could not run)."),
    ("release", "expired"): N_("{key} has expired: held requests wait 24 hours. Ask again."),
    ("ack", "acknowledged"): N_(
        "Status update {key} has already been acknowledged for your agency."
    ),
}

INVALID = {
    ("agency_code", "format"): N_(
        "{value} is not an agency code: use 2 to 16 letters, digits or dashes."
    ),
    ("operation_code", "format"): N_(
        "{value} is not an operation code: use 2 to 24 letters, digits or dashes."
    ),
    ("country", "unknown"): N_(
        "{value} is not a country code: use ISO 3166-1 alpha-2, such as FR, AR or SG."
    ),
    ("timezone", "unknown"): N_(
        "{value} is not a timezone: use an IANA name such as Europe/Paris or Asia/Singapore."
    ),
    ("language", "unknown"): N_("{value} is not a working language: use en, fr, es or ar."),
    ("lead", "required"): N_("You belong to no agency: say which agency leads with --lead."),
    ("ends", "past"): N_("The end time must be in the future."),
    ("due", "past"): N_("The due time must be in the future."),
    ("assignee", "not_participating"): N_(
        "{agency} does not take part in {operation}; add it first with op join {operation} {agency}."
    ),
    ("assignee", "unchanged"): N_("The task is already assigned to {agency}."),
    ("assignee", "observer"): N_(
        "{agency} only observes {operation}; tasks go to agencies that take part."
    ),
    ("role", "lead_is_set"): N_("An operation has one lead, set when it is created."),
    ("invite_code", "format"): N_("That is not an invite code (it looks like ABCD-EFGH-JKLM)."),
    ("invite_code", "expired"): N_("That invite code has expired; ask for a new one."),
    ("remind", "past"): N_("The reminder time must be in the future."),
    ("due", "none"): N_("{ref} has no due time to clear."),
    ("snooze", "not_assignee"): N_(
        "Reminders of {ref} go to the chats of {agency}: snooze them from there."
    ),
    ("cadence", "too_short"): N_("A status cadence must be at least 10 minutes."),
    ("role", "unchanged"): N_("{member} already has that role."),
    ("role", "needs_agency"): N_(
        "{member} belongs to no agency: only the admin or supervisor role suits them."
    ),
    ("invite", "reference"): N_(
        "{value} is neither an invite code (like ABCD-EFGH-JKLM) "
        "nor a reference from invite list (like i12)."
    ),
    ("agency", "nothing_to_change"): N_("Say what to change for {code}: --name, --tz or --lang."),
    ("agency", "unchanged"): N_("{code} already has those settings; nothing changed."),
    ("agency", "not_participating"): N_("{agency} does not take part in {operation}."),
    ("agency", "is_lead"): N_("{agency} leads {operation}; the lead agency cannot be removed."),
    ("count", "negative"): N_("A count cannot be negative: {value}."),
    ("count", "too_large"): N_("{value} is too large a count: at most {max}."),
    ("result_agency", "required"): N_(
        "You belong to no agency: say which agency the result is for with --agency."
    ),
    ("result_agency", "observer"): N_(
        "{agency} only observes {operation}; results are recorded for agencies that take part."
    ),
    ("task", "nothing_to_change"): N_(
        "Say what to change for {ref}: --title, --priority, --tlp or --details."
    ),
    ("task", "unchanged"): N_("{ref} already reads like that; nothing changed."),
    ("ack", "not_requested"): N_(
        "Status update {key} did not ask for acknowledgement; acks {key} shows where it got to."
    ),
    ("ack", "not_asked"): N_(
        "Status update {key} was not sent to {agency} for acknowledgement: "
        "each agency it reached acknowledges it for itself."
    ),
    ("four_eyes", "unchanged"): N_("Four eyes are already {value} for {operation}."),
    ("agency", "has_open_tasks"): N_(
        "{agency} still has open tasks in {operation} ({count}): reassign or cancel them first."
    ),
}

NOT_PERMITTED = {
    "self": N_("You cannot {action} yourself; ask another admin or coordinator."),
    "last_admin": N_("{member} is the last admin; make another admin first."),
    "self_remove": N_("You cannot remove yourself; ask another admin or coordinator."),
    "self_role": N_("You cannot change your own role; ask another admin or coordinator."),
    "not_yours": N_("Reminder {key} was set by someone else: only they may cancel it."),
    "own_request": N_(
        "You asked for {key} yourself: another person must approve it, whichever account you use."
    ),
}

TEXT_PROBLEMS = {
    "empty": N_("The {field} is empty."),
    "too_long": N_("The {field} is too long: {length} characters, at most {max}."),
    "too_long_wide": N_(
        "The {field} is too long: {length} characters, at most {max} (an emoji counts as two)."
    ),
    "invisible": N_("The {field} has no visible character."),
    "control_character": N_("The {field} contains a control character ({codepoint})."),
}

FIELD_NAMES = {
    "title": N_("title"),
    "text": N_("text"),
    "name": N_("name"),
    "reason": N_("reason"),
    "details": N_("details"),
    "objective": N_("objective"),
    "note": N_("note"),
}


def _state(tr: Translator, state: str) -> str:
    """A task's or an operation's state as the reader says it ("terminée", "suspendida")."""
    return tr.gettext(STATE_NAMES[state]) if state in STATE_NAMES else state.replace("_", " ")


def _kind(tr: Translator, kind: str) -> Translated:
    """What kind of thing a refusal names, capitalised to start it ("Tâche", "Operación")."""
    return Translated(tr.gettext(KIND_NAMES.get(kind, kind)).capitalize())


def describe(error: DomainError | UsageError, tr: Translator) -> str:
    """The one-line reason shown to the user."""
    _ = tr.gettext
    if isinstance(error, UsageError):
        values = {  # a value that is itself a message (why a time is unreadable) is translated
            key: _(value.message, **value.values) if isinstance(value, Reason) else value
            for key, value in error.values.items()
        }
        return _(error.message, **values)
    if isinstance(error, NotFound):
        if error.kind == "invite":
            return _("No such invite code: {key}.", key=error.key)
        return _("No {kind} {key}.", kind=_(KIND_NAMES.get(error.kind, error.kind)), key=error.key)
    if isinstance(error, NotPermitted):
        if error.reason in NOT_PERMITTED:
            return _(NOT_PERMITTED[error.reason], action=error.action, **error.detail)
        if error.reason == "linked_elsewhere":
            return _("This chat already serves another agency; only an admin can move it.")
        text = who(tr, error.grants, lead=error.lead)
        if error.operation:
            return _(
                "Only {who} may run {action} on {operation}.",
                who=text,
                action=error.action,
                operation=error.operation,
            )
        return _("Only {who} may run {action}.", who=text, action=error.action)
    if isinstance(error, Throttled):
        return tr.ngettext(
            "Too many wrong codes from this account: wait {count} minute, then try again.",
            "Too many wrong codes from this account: wait {count} minutes, then try again.",
            error.minutes,
        )
    if isinstance(error, InvalidTransition):
        if error.current == error.target:
            return _(
                "{kind} {key} is already {current}.",
                kind=_kind(tr, error.kind),
                key=error.key,
                current=_state(tr, error.current),
            )
        if error.target not in STATES:
            return _(
                "{kind} {key} is {current}, so {action} is not possible.",
                kind=_kind(tr, error.kind),
                key=error.key,
                current=_state(tr, error.current),
                action=error.target,
            )
        return _(
            "{kind} {key} is {current}; it cannot become {target}.",
            kind=_kind(tr, error.kind),
            key=error.key,
            current=_state(tr, error.current),
            target=_state(tr, error.target),
        )
    if isinstance(error, Conflict):
        message = CONFLICTS.get((error.kind, error.reason), N_("{key} already exists."))
        agency, _at, operation = error.key.partition("@")
        return _(message, key=error.key, agency=agency, operation=operation)
    if isinstance(error, Invalid):
        if error.reason in TEXT_PROBLEMS:
            field = _(FIELD_NAMES.get(error.field, error.field))
            return _(TEXT_PROBLEMS[error.reason], field=field, **error.detail)
        known = INVALID.get((error.field, error.reason))
        if known is None:
            return _("Invalid {field}.", field=error.field)
        return _(known, **error.detail)
    return _("That cannot be done.")


def error_reply(error: DomainError | UsageError, tr: Translator, usage: str | None) -> Reply:
    """A refusal: one line saying what was wrong, and the usage of the command."""
    return tr.addressed(
        Reply(
            title=describe(error, tr),
            tone=Tone.ERROR,
            usage=tr.gettext("Usage: {usage}", usage=usage) if usage else None,
            private=True,
        )
    )
