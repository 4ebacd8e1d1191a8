"""Sends a chain into a chord from Python Celery and prints its task ids as JSON, without waiting:

    send_canvas.py <queue> <x>

chain(add(x, 1), group(add(10), add(20)), tsum()): the group after a task makes Celery build a chord, so
the graph has a parent, two siblings and the chord body. Every step carries the queue itself, since the
chord body is sent by a worker, which knows no routing of this script's.
"""
import json
import sys

from celery import chain, group

from tasks import add, tsum

queue, x = sys.argv[1], int(sys.argv[2])
first = add.s(x, 1).set(queue=queue)
header = group(add.s(10).set(queue=queue), add.s(20).set(queue=queue))
body = tsum.s().set(queue=queue)
result = chain(first, header, body).apply_async()

# result is the chord body's; its parent is the group's, whose parent is the first task's.
group_result = result.parent
print(json.dumps({
    'body': result.id,
    'header': [child.id for child in group_result.results],
    'first': group_result.parent.id if group_result.parent is not None else None,
}), flush=True)
