"""Telegram: the pure mapping, the sender (the only HTTP to Telegram) and the update runner."""
