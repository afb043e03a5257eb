"""Routers in the order they must be tried."""

from aiogram import Router


def get_routers() -> list[Router]:
    from handlers import common, communities, onboarding, profile

    return [
        communities.router,  # membership events first: they are not commands
        onboarding.router,  # dialog steps (state-filtered) before commands that would match
        profile.router,
        common.router,  # help, cancel, and the catch-all fallbacks: must stay last
    ]
