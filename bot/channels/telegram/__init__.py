"""Telegram: the pure mapping, the sender (the only HTTP to Telegram) and the update runner.

What Telegram can show is declared here, away from aiogram, so rendering for a Telegram member
(a reminder, a compiled report) needs neither a token nor aiogram's import time.
"""

from bot.channels.base import Capabilities

CHANNEL = "telegram"
# Telegram counts 4096 characters after entity parsing, in UTF-16 units; render() splits the text
# before escaping it, so an escaped "&amp;" still counts as the one character it shows. Bots may
# upload files of up to 50 MB.
CAPABILITIES = Capabilities(
    buttons=True, files=True, edits=True, max_length=4096, markup="html", file_limit=50 * 1024 * 1024
)
