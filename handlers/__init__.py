"""Routers in the order they must be tried; built fresh for every dispatcher."""

from aiogram import Router


def get_routers() -> list[Router]:
    from handlers import common, communities, onboarding, profile, questions

    return [
        communities.setup(),  # membership events first: they are not commands
        onboarding.setup(),  # dialog steps (state-filtered) before commands that would match
        questions.setup(),
        profile.setup(),
        common.setup(),  # help, cancel, unknown commands
        common.setup_fallbacks(),  # the catch-all answers: must stay last
    ]
