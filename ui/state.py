"""Session-state keys shared by more than one page (pages never import each other)."""

#: The stored probe report picked on the Probe page, preselected as hardware on the Advise page.
SESSION_HARDWARE_KEY = "hardware_probe_id"
