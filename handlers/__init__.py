"""Routers in the order they must be tried; built fresh for every dispatcher."""

from aiogram import Router


def get_routers() -> list[Router]:
    from handlers import (
        answers,
        asking,
        common,
        communities,
        digest,
        faq,
        faq_admin,
        meetup_recap,
        meetups,
        moderation,
        onboarding,
        privacy,
        profile,
        prompts,
        questions,
        rights,
        settings,
        stats,
        topics,
    )

    return [
        communities.setup(),  # membership events first: they are not commands
        rights.setup_as_the_group(),  # posting as the group: only what needs no member
        moderation.setup(),  # moderators' commands, also in reply to the bot: before replies
        prompts.setup_replies(),  # replies to a posted prompt: counted, before answers
        answers.setup(),  # replies to an invitation or an answer: before any dialog step
        settings.setup(),  # the settings menu; its typed step (state-filtered) before any dialog
        topics.setup(),  # moderators' topic vocabulary
        onboarding.setup(),  # dialog steps (state-filtered) before commands that would match
        meetups.setup(),  # the /meetup dialog's steps before asking's; before profile's /start
        questions.setup(),
        asking.setup(),  # after questions: a reply to an invitation is an answer, not a question
        faq_admin.setup(),  # moderators' FAQ; before profile, whose /start takes any link
        meetup_recap.setup(),  # after a meetup: attendance, the recap dialog (before profile)
        prompts.setup(),  # moderators' discussion prompts
        stats.setup(),  # moderators' figures and data export
        digest.setup(),  # moderators' digest
        privacy.setup(),  # /mydata, /forgetme; its /start link before profile's, which takes any
        profile.setup(),
        faq.setup(),  # /search, /faq, inline mode, consent
        common.setup(),  # help, cancel, unknown commands
        common.setup_fallbacks(),  # the catch-all answers: must stay last
    ]
