"""The supervisor's conversation: who has not submitted, progress, reading and deciding on a report,
members and invites — typed or pressed, every unit checked through `bot.access.oversees`.

`actions` are the buttons' short strings, `state` what waits between two messages (a return's
reason), `pages` the pure rendering of the storage views into replies, `conversation` the handlers
that load, check and decide.
"""
