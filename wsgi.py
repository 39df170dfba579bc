"""The only module-level app: `gunicorn wsgi:app`, `flask --app wsgi`."""
from scanner.idnumber import load_county_table
from server import collector, create_app

app = create_app()
load_county_table()  # every sync of ID numbers reads it: not in a worker's first batch
collector.settle()  # the app's start-up objects out of the collector's way (server/collector.py)
