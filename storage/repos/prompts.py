"""Prompts and the prompts posted (their schedules: storage.repos.schedules)."""

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Community, Prompt, PromptPost


class PromptsRepo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def community(self, community_id: int) -> Community | None:
        return await self.session.get(Community, community_id)

    async def count_all(self, community_id: int) -> int:
        """Every prompt the community ever had, deleted ones too."""
        return (
            await self.session.scalar(
                select(func.count()).select_from(Prompt).where(Prompt.community_id == community_id)
            )
            or 0
        )

    async def add(self, prompt: Prompt) -> Prompt:
        self.session.add(prompt)
        await self.session.flush()
        return prompt

    async def bank(self, community_id: int) -> list[Prompt]:
        """Prompts not deleted, oldest first."""
        rows = await self.session.scalars(
            select(Prompt)
            .where(Prompt.community_id == community_id, Prompt.deleted_at.is_(None))
            .order_by(Prompt.id)
        )
        return list(rows)

    async def get(self, community_id: int, prompt_id: int) -> Prompt | None:
        return await self.session.scalar(
            select(Prompt).where(
                Prompt.id == prompt_id,
                Prompt.community_id == community_id,
                Prompt.deleted_at.is_(None),
            )
        )

    async def least_recently_used(self, community_id: int) -> Prompt | None:
        """Never used first (oldest first), then the one used longest ago."""
        return await self.session.scalar(
            select(Prompt)
            .where(Prompt.community_id == community_id, Prompt.deleted_at.is_(None))
            .order_by(Prompt.last_used_at.is_not(None), Prompt.last_used_at, Prompt.id)
            .limit(1)
        )

    async def add_post(self, post: PromptPost) -> PromptPost:
        self.session.add(post)
        await self.session.flush()
        return post

    async def post(self, post_id: int) -> PromptPost | None:
        return await self.session.get(PromptPost, post_id)

    async def count_reply(self, chat_id: int, message_id: int) -> bool:
        result = await self.session.execute(
            update(PromptPost)
            .where(PromptPost.chat_id == chat_id, PromptPost.message_id == message_id)
            .values(reply_count=PromptPost.reply_count + 1)
            .execution_options(synchronize_session=False)
        )
        return result.rowcount > 0
