"""Reminders (issue 10): the schedule (pure), one pass over every campaign, the scheduler loop in the
runtime, and the supervisor's /nhac."""
