"""Profiles on a real database: tags normalized and bounded, bios bounded, nothing half-saved."""

import asyncio

import pytest
from sqlalchemy import func, select

from bot.services.profiles import BadTags, BioTooLong, NotInCommunity, ProfilesService, TooManyTags
from storage.models import Member, Membership, Tag
from tests.services.conftest import GROUP, identity


@pytest.fixture
async def alice(services):
    s = services()
    actor = await s.members.seen(identity(1, "Alice"), GROUP, private=False)
    return actor


async def test_typed_tags_are_normalized_and_shared(services, alice) -> None:
    s = services()
    free = ProfilesService.add_free_tags("Planificación  Urbana, #GIS", [], {})
    free = ProfilesService.add_free_tags("planificacion urbana; gis", [], free)
    labels = await s.profiles.save_tags(1, alice.community_id, [], free)
    assert labels == ["GIS", "Planificación Urbana"]

    bob = await services().members.seen(identity(2, "Bob"), GROUP, private=False)
    bob_free = ProfilesService.add_free_tags("PLANIFICACION URBANA", [], {})
    assert await services().profiles.save_tags(2, bob.community_id, [], bob_free) == [
        "Planificación Urbana"
    ]
    choices = await services().profiles.tag_choices(alice.community_id, [])
    assert [c.label for c in choices] == ["Planificación Urbana", "GIS"]  # most declared first


async def test_more_than_twenty_tags_change_nothing(services, alice) -> None:
    s = services()
    await s.profiles.save_tags(1, alice.community_id, [], {"gis": "GIS"})
    many = ", ".join(f"topic {i}" for i in range(25))
    with pytest.raises(TooManyTags) as raised:
        ProfilesService.add_free_tags(many, [], {})
    assert raised.value.count == 25
    too_many = {f"t{i}": f"T{i}" for i in range(21)}
    with pytest.raises(TooManyTags):
        await services().profiles.save_tags(1, alice.community_id, [], too_many)
    profile = await services().profiles.profile(alice.member_id, alice.community_id)
    assert profile.tags == ["GIS"]
    s = services()
    assert await s.profiles.session.scalar(select(func.count()).select_from(Tag)) == 1


def test_bad_tags_are_reported() -> None:
    with pytest.raises(BadTags) as raised:
        ProfilesService.add_free_tags("ok, " + "x" * 41 + ", !!!", [], {})
    assert raised.value.too_long == ["x" * 41]
    assert raised.value.invalid == ["!!!"]


async def test_bio_bounds_and_unicode(services, alice) -> None:
    s = services()
    bio = "مخطط حضري 🌍 — urbanista en Lima"
    assert await s.profiles.save_bio(1, f"  {bio}  ") == bio
    with pytest.raises(BioTooLong):
        await services().profiles.save_bio(1, "x" * 501)
    assert (await services().profiles.profile(alice.member_id, None)).bio == bio


async def test_tags_only_in_own_community(services, alice) -> None:
    other = await services().communities.bot_added(-100999, "Other", is_forum=False, language=None)
    with pytest.raises(NotInCommunity):
        await services().profiles.save_tags(1, other.id, [], {"gis": "GIS"})
    assert (await services().profiles.profile(alice.member_id, other.id)).tags == []


async def test_languages_are_kept_in_a_stable_order(services, alice) -> None:
    assert await services().profiles.save_languages(1, ["ru", "en", "xx"]) == ["en", "ru"]


async def test_first_updates_racing_create_one_member(services) -> None:
    actors = await asyncio.gather(
        *(services().members.seen(identity(9, "Racer"), GROUP, private=True) for _ in range(4))
    )
    assert len({a.member_id for a in actors}) == 1
    s = services()
    assert await s.profiles.session.scalar(select(func.count()).select_from(Member)) == 1
    assert await s.profiles.session.scalar(select(func.count()).select_from(Membership)) == 1
