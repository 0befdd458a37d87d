"""Tests of the Telegram channel: mapping, outbox, updates in process, and the real processes."""
