"""Celery app for Pollen's integration tests, run by real Python Celery (Debian's python3-celery).

Its task names match the ones in test/fixtures/celery-5.2 so that captured messages can be replayed.
The test harness (test/harness/celery-worker.ts) sets the broker and backend through the environment.
"""
import os
import time

from celery import Celery

app = Celery(
    'tasks',
    broker=os.environ['POLLEN_TEST_BROKER'],
    backend=os.environ['POLLEN_TEST_BACKEND'],
)
app.conf.update(
    broker_connection_retry_on_startup=True,
    timezone='UTC',
    enable_utc=True,
    worker_hijack_root_logger=False,
    result_extended=os.environ.get('POLLEN_TEST_RESULT_EXTENDED') == '1',
)


@app.task(name='tasks.add')
def add(x, y):
    return x + y


@app.task(name='tasks.tsum')
def tsum(numbers):
    return sum(numbers)


@app.task(name='tasks.fail')
def fail(msg='boom'):
    raise ValueError(msg)


@app.task(name='tasks.echo')
def echo(*args, **kwargs):
    return {'args': list(args), 'kwargs': kwargs}


@app.task(name='tasks.sleep')
def sleep(seconds):
    time.sleep(seconds)
    return seconds


@app.task(name='tasks.flaky', bind=True, max_retries=3)
def flaky(self, succeed_after=1):
    if self.request.retries < succeed_after:
        raise self.retry(exc=RuntimeError('transient failure'), countdown=1)
    return 'ok after %d retries' % self.request.retries


@app.task(name='tasks.reject', acks_late=True)
def reject_me():
    from celery.exceptions import Reject
    raise Reject('not wanted here', requeue=False)


from celery.contrib.abortable import AbortableTask  # noqa: E402  (tasks added later sit at the end)


@app.task(name='tasks.abortable', bind=True, base=AbortableTask)
def abortable(self, seconds=30):
    """Runs until aborted (AbortableAsyncResult.abort() stores ABORTED) or `seconds` pass."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        if self.is_aborted():
            return 'aborted'
        time.sleep(0.1)
    return 'not aborted'
