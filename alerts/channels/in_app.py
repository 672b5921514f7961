"""The in-app channel: a user's alerts are their ``alert_recipients`` rows, read through the API.

Nothing is sent: the rows are written set-based by the raising pass (``alerts.raising._fan_out_inbox``),
so an alert is in every recipient's inbox the moment it is committed.
"""
