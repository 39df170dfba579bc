"""The only module-level app: `gunicorn wsgi:app`, `flask --app wsgi`."""
from server import collector, create_app

app = create_app()
collector.settle()  # the app's start-up objects out of the collector's way (server/collector.py)
