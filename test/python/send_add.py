"""Sends tasks.add(20, 22) (to the queue given as the first argument, default 'celery') and prints its
id once the result is in, which also proves that a worker is serving that queue."""
import sys

from tasks import add

queue = sys.argv[1] if len(sys.argv) > 1 else 'celery'
result = add.apply_async((20, 22), queue=queue, retry=True)
assert result.get(timeout=60) == 42
print(result.id, flush=True)
