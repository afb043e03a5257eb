"""What the moderation commands say: how to use them, and the audit log as pages."""

from html import escape

from aiogram.utils.i18n import gettext as _

from bot.services.moderation import ANSWER, MAX_REASON, MAX_SUSPENSION, AuditLine, Target
from bot.timefmt import local_datetime
from handlers.questions import N_
from handlers.render import pages

HIDDEN = N_("🙈 Hidden by the moderators.")
SUSPEND_EXAMPLE = "/suspend @username 3d repeated advertising"
# What each kind of entry says, in the actor's words (other features' entries are named
# by their action).
ACTIONS = {
    ("hide", "question"): N_("hid question #{number}"),
    ("hide", "answer"): N_("hid answer {id} to question #{number}"),
    ("unhide", "question"): N_("showed question #{number} again"),
    ("unhide", "answer"): N_("showed answer {id} to question #{number} again"),
    ("suspend", "member"): N_("suspended {name} for {duration}"),
    ("unsuspend", "member"): N_("lifted the suspension of {name}"),
    ("faq_add", "faq_entry"): N_("added FAQ entry #{id}"),
    ("faq_edit", "faq_entry"): N_("edited FAQ entry #{id}"),
    ("faq_delete", "faq_entry"): N_("deleted FAQ entry #{id}"),
    ("faq_restore", "faq_entry"): N_("restored FAQ entry #{id}"),
    ("faq_verify", "faq_entry"): N_("verified FAQ entry #{id}"),
    ("faq_verification", "community"): N_("set FAQ verification: {value}"),
    ("setting", "community"): N_("set {setting}: {value}"),
    ("topic_add", "tag"): N_("added the topic “{label}”"),
    ("topic_remove", "tag"): N_("removed the topic “{label}”"),
    ("topic_synonym", "tag"): N_("gave the topic “{label}” the synonym “{synonym}”"),
}
# The settings' names in the log (bot.services.settings records them).
SETTINGS = {
    "language": N_("language"),
    "timezone": N_("timezone"),
    "routing_fanout": N_("peers asked per round"),
    "escalation_hours": N_("hours before the next round"),
    "quiet_hours": N_("quiet hours"),
    "open_answering": N_("open answering"),
    "welcome_text": N_("welcome text"),
    "prompts_topic": N_("the prompts' topic"),
    "meetups_topic": N_("the meetups' topic"),
}

SETTING_VALUES = {"default": N_("the default"), "custom": N_("the group's own"), "off": N_("off")}


def hide_usage(replied: bool) -> str:
    if replied:
        return _(
            "That message is not a question or an answer I know here. Reply to the question "
            "or the answer itself, or name it: /hide q12 spam. Nothing was changed."
        )
    return _(
        "Reply /hide to a question or an answer with the reason, or name it: /hide q12 spam "
        "(question #12) or /hide a34 off-topic (answer 34). Nothing was changed."
    )


def unknown_target(target: Target) -> str:
    if target.kind == ANSWER:
        return _("There is no answer {id} here. Nothing was changed.").format(id=target.key)
    return _("There is no question #{number} here. Nothing was changed.").format(number=target.key)


def reason_needed(example: str) -> str:
    return _(
        "Please give the reason (up to {limit} characters), e.g. {example}. Nothing was changed."
    ).format(limit=MAX_REASON, example=example)


def suspend_usage(*, duration: str | None = None) -> str:
    weeks = MAX_SUSPENSION.days // 7
    if duration is not None:
        return _(
            "I could not read the duration “{duration}”. Use hours, days or weeks (at most "
            "{weeks}w), e.g. {example}. Nothing was changed."
        ).format(duration=escape(duration), weeks=weeks, example=SUSPEND_EXAMPLE)
    return _(
        "Reply /suspend to the member's message with a duration and the reason, or name "
        "them: {example}. Durations: 12h, 3d, 2w. Nothing was changed."
    ).format(example=SUSPEND_EXAMPLE)


def _what(line: AuditLine) -> str:
    details = line.details
    template = ACTIONS.get((line.action, line.target_kind))
    if template is None:
        return escape(f"{line.action} {line.target_kind} {line.target_id or ''}".strip())
    return _(template).format(
        id=line.target_id,
        number=details.get("number", "?"),
        name=escape(str(details.get("name", "?"))),
        duration=escape(str(details.get("duration", "?"))),
        setting=_(SETTINGS[setting]) if (setting := details.get("setting")) in SETTINGS else "?",
        value=_shown(details.get("value", details.get("enabled", "?"))),
        label=escape(str(details.get("label", "?"))),
        synonym=escape(str(details.get("synonym", "?"))),
    )


def _shown(value: object) -> str:
    if isinstance(value, bool):
        return _("on") if value else _("off")
    if isinstance(value, str) and value in SETTING_VALUES:
        return _(SETTING_VALUES[value])
    return escape(str(value))


def audit_line(line: AuditLine, timezone: str) -> str:
    who = (
        escape(line.actor_name)
        if line.actor_name
        else _("an administrator posting as the group")
        if line.details.get("as_group")
        else _("someone")
    )
    text = _("{when} · <b>{who}</b> {what}").format(
        when=local_datetime(line.created_at, timezone), who=who, what=_what(line)
    )
    reason = line.details.get("reason")
    if reason:
        text += "\n    " + _("Reason: {reason}").format(reason=escape(str(reason)))
    return text


def audit_pages(lines: list[AuditLine], timezone: str) -> list[str]:
    """The log, newest first, in as many messages as it takes."""
    if not lines:
        return [_("Nothing is in this group's audit log yet.")]
    header = _("<b>Audit log</b>, newest first ({count}):").format(count=len(lines))
    return pages(header, [audit_line(line, timezone) for line in lines], "\n\n")
