"""Buttons and select menus that survive restarts: `DynamicItem`s whose `custom_id` carries everything.

discord.py rebuilds one of these from any click whose `custom_id` matches the template, in any process
that registered the class (`client.add_dynamic_items`), so a round posted before a restart keeps working.
The callbacks hand the interaction to the adapter (`interaction.client.adapter`).
"""

from __future__ import annotations

import re
from typing import Any

import discord

from adapters.discord import parse


class TutorButton(discord.ui.DynamicItem[discord.ui.Button], template=parse.BUTTON_TEMPLATE):
    def __init__(self, item: discord.ui.Button, click: parse.Click):
        super().__init__(item)
        self.click = click

    @classmethod
    def make(
        cls,
        action: str,
        session_id: int,
        arg: str = "",
        *,
        label: str,
        style: discord.ButtonStyle = discord.ButtonStyle.secondary,
        row: int | None = None,
    ) -> TutorButton:
        item: discord.ui.Button = discord.ui.Button(
            label=label[:80], style=style, custom_id=parse.custom_id(action, session_id, arg), row=row
        )
        return cls(item, parse.Click(action, session_id, arg))

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> TutorButton:
        click = parse.parse_click(match.group(0))
        assert click is not None and isinstance(item, discord.ui.Button)
        return cls(item, click)

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.client.adapter.on_button(interaction, self.click)  # type: ignore[attr-defined]


class FormSelect(discord.ui.DynamicItem[discord.ui.Select], template=parse.SELECT_TEMPLATE):
    """The answer form's menu: the next step (ordering) or the next item's match (matching)."""

    def __init__(self, item: discord.ui.Select, session_id: int, kind: str, picks: str):
        super().__init__(item)
        self.session_id, self.kind, self.picks = session_id, kind, picks

    @classmethod
    def make(
        cls, session_id: int, kind: str, picks: str, options: list[discord.SelectOption], placeholder: str
    ) -> FormSelect:
        item: discord.ui.Select = discord.ui.Select(
            custom_id=parse.select_id(session_id, kind, picks),
            placeholder=placeholder[:150],
            options=options[:25],
            min_values=1,
            max_values=1,
        )
        return cls(item, session_id, kind, picks)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> FormSelect:
        assert isinstance(item, discord.ui.Select)
        return cls(item, int(match.group("session")), match.group("kind"), match.group("picks"))

    async def callback(self, interaction: discord.Interaction) -> None:
        value = self.item.values[0] if self.item.values else ""
        await interaction.client.adapter.on_pick(  # type: ignore[attr-defined]
            interaction, self.session_id, self.kind, self.picks, value
        )


class ForgetButton(discord.ui.DynamicItem[discord.ui.Button], template=parse.FORGET_TEMPLATE):
    """/forget-me's confirmation (or cancel) button. Its custom_id names the learner it was shown to, so a
    click is checked against the clicker, and still understood after a restart."""

    def __init__(self, item: discord.ui.Button, user_id: str, confirm: bool):
        super().__init__(item)
        self.user_id, self.confirm = user_id, confirm

    @classmethod
    def make(cls, user_id: int | str, confirm: bool) -> ForgetButton:
        item: discord.ui.Button = discord.ui.Button(
            label="Delete everything" if confirm else "Keep my data",
            style=discord.ButtonStyle.danger if confirm else discord.ButtonStyle.secondary,
            custom_id=parse.forget_id(user_id, confirm),
        )
        return cls(item, str(user_id), confirm)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ForgetButton:
        assert isinstance(item, discord.ui.Button)
        return cls(item, match.group("user"), match.group("answer") == "yes")

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.client.adapter.on_forget(  # type: ignore[attr-defined]
            interaction, self.user_id, self.confirm
        )


class ChoicesSelect(discord.ui.DynamicItem[discord.ui.Select], template=parse.CHOICES_TEMPLATE):
    """Multiple response: one menu on the question, as many options ticked as apply."""

    def __init__(self, item: discord.ui.Select, session_id: int):
        super().__init__(item)
        self.session_id = session_id

    @classmethod
    def make(cls, session_id: int, options: list[discord.SelectOption]) -> ChoicesSelect:
        item: discord.ui.Select = discord.ui.Select(
            custom_id=f"tutor:x:{session_id}",
            placeholder="Choose all that apply",
            options=options[:25],
            min_values=1,
            max_values=max(1, len(options[:25])),
        )
        return cls(item, session_id)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ChoicesSelect:
        assert isinstance(item, discord.ui.Select)
        return cls(item, int(match.group("session")))

    async def callback(self, interaction: discord.Interaction) -> None:
        click = parse.choices_click(self.session_id, list(self.item.values))
        await interaction.client.adapter.on_button(interaction, click)  # type: ignore[attr-defined]
