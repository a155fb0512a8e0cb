"""Gunicorn settings for Houqin.

    gunicorn -c deploy/gunicorn.conf.py wsgi:app

Run it from the directory that holds ``wsgi.py``. Every setting below can be changed with an
environment variable (listed in deploy/houqin.env.example); the app's own settings (database,
Redis, server name...) are read by ``core/config.py`` from the same environment.

Embedded mode (no ``REDIS_URL``): background jobs run in threads inside each web worker, and
each worker also starts the periodic scheduler (``post_worker_init`` below). Several workers
ticking at once is safe: ``core.jobs.scheduler.tick`` claims each (school, schedule, minute)
slot with a unique row, so exactly one worker starts each periodic job.

With ``REDIS_URL`` set, jobs and schedules belong to ``houqin worker`` processes and the web
workers only serve requests.
"""

import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this process may use (containers, taskset)
    except AttributeError:
        return os.cpu_count() or 1


# --- sockets ----------------------------------------------------------------------------------

# One or more addresses, comma separated: "127.0.0.1:8000", "unix:/run/houqin/web.sock".
bind = [part.strip() for part in os.environ.get("HOUQIN_BIND", "127.0.0.1:8000").split(",")
        if part.strip()]

# Trust X-Forwarded-Proto (and friends) only from the local reverse proxy. Behind a proxy on
# another host, or in a container network, list the proxy's address here.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# --- workers ----------------------------------------------------------------------------------

# The usual 2 x cores + 1, capped: every worker holds its own database connection pool, and
# PostgreSQL's connection limit (100 by default) is shared by all web and job processes.
workers = _int("HOUQIN_WORKERS", min(2 * _cores() + 1, _int("HOUQIN_WORKERS_MAX", 12)))

# "gthread" keeps connections from the proxy alive and serves a few requests per worker at
# once; "sync" is one request at a time per worker (set HOUQIN_THREADS=1 with it).
worker_class = os.environ.get("HOUQIN_WORKER_CLASS", "gthread")
threads = _int("HOUQIN_THREADS", 4)

# Each worker builds its own app after the fork: database pools, the in-process job pool and
# the scheduler thread must never be shared between processes.
preload_app = False

# Long work belongs in background jobs, so a request that takes this long is stuck.
timeout = _int("HOUQIN_TIMEOUT", 60)
graceful_timeout = _int("HOUQIN_GRACEFUL_TIMEOUT", 30)

# Seconds an idle kept-alive connection stays open. It must outlast the proxy's own idle
# timeout for its connections to gunicorn (keepalive_timeout 30s in deploy/nginx.conf), so that
# the proxy, never gunicorn, closes an idle connection: when gunicorn closes one first, a request
# the proxy sends on it at that moment meets a closed socket and fails, and a form post that
# failed so is answered 502 (nginx rightly never sends a write twice). Idle connections cost a
# file descriptor each, not a thread.
keepalive = _int("HOUQIN_KEEPALIVE", 75)

# Recycling workers is off by default: in embedded mode a recycled worker drops the in-process
# jobs it was running. Set it only when jobs run on Redis.
max_requests = _int("HOUQIN_MAX_REQUESTS", 0)
max_requests_jitter = max_requests // 10

# Heartbeat files on a memory file system: a slow disk must not get workers killed.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# Houqin does not use gunicorn's control socket (gunicorn >= 25.1; older versions ignore this).
control_socket_disable = True

# --- logs -------------------------------------------------------------------------------------

# gunicorn's own messages on stderr. The app itself writes JSON lines to stderr (core/logs.py),
# including one line per request (logger houqin.requests) with the school and request id, so
# gunicorn's access log is off unless HOUQIN_ACCESS_LOG names a target ("-" for stdout). In its
# format, %(M)s is the duration in milliseconds and the last field the X-Request-Id returned.
accesslog = os.environ.get("HOUQIN_ACCESS_LOG", "off").strip()
if accesslog.lower() in ("", "off", "none"):
    accesslog = None
errorlog = "-"
loglevel = os.environ.get("HOUQIN_GUNICORN_LOG_LEVEL", "info")
access_log_format = (
    '%(h)s "%({x-forwarded-for}i)s" %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'
    ' %({x-request-id}o)s'
)

proc_name = "houqin-web"


# --- hooks ------------------------------------------------------------------------------------


def post_worker_init(worker):
    """Embedded mode: run the periodic scheduler in this worker (after the fork)."""
    app = worker.wsgi
    config = getattr(app, "config", None)
    if config is None or config.get("REDIS_URL"):
        return  # jobs and schedules run in `houqin worker`
    from core.jobs.recovery import resend_stalled
    from core.jobs.scheduler import start_thread

    # Jobs a stopped worker held in memory are handed over again; running ones only when their
    # heartbeat is older than JOB_HEARTBEAT_STALE_SECONDS (HOUQIN_JOB_HEARTBEAT_STALE_SECONDS;
    # a live worker writes it every JOB_HEARTBEAT_SECONDS). A job handed over twice runs once:
    # the runner claims it atomically, and a stale attempt stops at its next checkpoint.
    with app.app_context():
        resend_stalled(waiting_for=0, running_for=config["JOB_HEARTBEAT_STALE_SECONDS"])
    worker.houqin_scheduler_stop = start_thread(app)
    worker.log.info("periodic scheduler started in worker %s (no REDIS_URL)", worker.pid)


def worker_exit(server, worker):
    """Let the scheduler thread stop, and the jobs this worker holds finish, before it goes."""
    stop = getattr(worker, "houqin_scheduler_stop", None)
    if stop is not None:
        stop.set()
        backend = worker.wsgi.extensions.get("houqin_jobs")
        if hasattr(backend, "shutdown"):
            backend.shutdown()
