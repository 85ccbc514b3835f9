"""Background jobs (DESIGN.md §10).

``registry`` holds the named jobs and ``run_job``; ``tasks`` defines them; ``scheduler`` runs them
on a timetable in its own process (``flask --app marketplace scheduler``), never inside web
workers; ``cli`` adds ``scheduler`` and ``jobs run NAME`` / ``jobs list``.

Importing this package starts nothing: ``create_app`` never builds or starts a scheduler.
"""
