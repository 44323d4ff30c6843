"""The web app over one store: ``create_app(db)`` (FastAPI: JSON API, dashboard pages) and ``gigsight serve``.

Needs the ``web`` extra (FastAPI, uvicorn). See :mod:`gigsight.web.app` and :mod:`gigsight.web.service`.
"""
