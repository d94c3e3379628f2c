"""The county race (赛龙夺锦): ``engine`` computes a ranking in the database, ``schemes`` keeps each
year's weights, ``tables`` is the one table model every view of a ranking renders, ``bulletins``
freezes and publishes rankings, ``exports`` writes them as .xlsx, print and PDF, ``dashboard``
reads the leaders' pages; ``views/``, ``admin``, ``api/`` and ``tasks`` are its interfaces.

Nothing below this package imports it (supervision/apps.py only wires its admin and tasks in)."""
