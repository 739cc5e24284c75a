"""The background work of a generation: ``tasks`` wakes a row, ``steps`` moves it on (submit,
poll, save), ``sweep`` wakes the overdue; ``provider``, ``inputs`` and ``speech`` are how those
steps talk to Kling. Nothing here imports a view, a form or a service."""
