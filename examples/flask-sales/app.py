"""The sales dashboard's Flask app: `gunicorn -w 2 -c python:cachelens.gunicorn app:app`."""

from __future__ import annotations

from flask import Flask

from extensions import cache  # first: the watched Cache exists before the views decorate with it

__all__ = ["app", "create_app"]


def create_app() -> Flask:
    """The app, with its cache and the dashboard's routes."""
    flask_app = Flask(__name__)
    cache.init_app(flask_app)
    from views import dashboard

    flask_app.register_blueprint(dashboard)
    return flask_app


app = create_app()

if __name__ == "__main__":
    app.run(port=8050)
