"""Zalo Official Account (API v3): the pure mapping, the client (the only HTTP to Zalo's OA API), the
sender and the webhook's inbound side.

What the OA can show is declared here, away from httpx, so anything can render for a Zalo member.
"""

from bot.channels.base import Capabilities

CHANNEL = "zalo_oa"
# 2,000 characters a message (UTF-16 units); buttons as `oa.query.show` (they come back as the user's
# text); a sent message cannot be edited; files up to 5 MB, and only PDF, DOC and DOCX as files; a PNG
# (the chart) goes as an image (sender.py uploads it with upload/image); the workbook as a signed link.
CAPABILITIES = Capabilities(
    buttons=True,
    files=True,
    edits=False,
    max_length=2000,
    file_limit=5 * 1024 * 1024,
    file_kinds=frozenset({"pdf", "doc", "docx", "png"}),
)
