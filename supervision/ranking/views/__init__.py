"""The leaders' pages: the ranking dashboard and a region's page (``dashboard``), bulletins
(``bulletins``)."""
