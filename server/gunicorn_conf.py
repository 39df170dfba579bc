"""gunicorn settings shared by `checkpoint serve` (make run) and the systemd unit
(deploy/checkpoint.service): `gunicorn -c python:server.gunicorn_conf wsgi:app`.

Where it listens and how many workers come from the environment, so one file serves both:
CHECKPOINT_BIND (default 127.0.0.1:8000: loopback, the proxy is what phones talk to),
WORKERS, THREADS."""
import os

bind = [os.environ.get("CHECKPOINT_BIND", "127.0.0.1:8000")]
workers = int(os.environ.get("WORKERS", "2"))
# Threads: a request waiting on the database does not hold the worker. Slow phones are the
# proxy's to wait for (it buffers whole requests), never a gunicorn thread's.
worker_class = "gthread"
threads = int(os.environ.get("THREADS", "4"))
timeout = 60
graceful_timeout = 20
keepalive = 5
accesslog = "-"
errorlog = "-"
# No /q/<token> self-report link in either log (server/logredact.py).
logger_class = "server.logredact.GunicornLogger"
# The proxy is the only client: its X-Forwarded-For is the phone's address.
access_log_format = '%({x-forwarded-for}i)s %(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'
# gunicorn 27's control socket sits at one path in $HOME: several servers on one machine (tests,
# make run beside a service) would take it from each other, and nothing here uses it.
control_socket_disable = True
# Which forwarded headers to believe is the app's decision alone (CHECKPOINT_TRUSTED_PROXIES,
# ProxyFix): gunicorn's own default would believe X-Forwarded-Proto from any loopback client.
forwarded_allow_ips = ""
