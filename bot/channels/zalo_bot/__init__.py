"""Zalo Bot Platform (`/bot<TOKEN>/<method>`): the pure mapping, the client, the sender, the webhook's
inbound side and long polling.

What a Zalo Bot can show is declared here: no buttons (menus become numbered typed options), no edits,
no documents (files become signed links), 2,000 characters a message.
"""

from bot.channels.base import Capabilities

CHANNEL = "zalo_bot"
CAPABILITIES = Capabilities(buttons=False, files=False, edits=False, max_length=2000)
