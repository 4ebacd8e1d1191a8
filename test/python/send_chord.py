"""Sends a chord of `n` tasks.add into tasks.tsum from Python Celery and prints its ids as JSON, without
waiting:

    send_chord.py <queue> <n>

chord([add(i, i) for i in range(n)], tsum()): a chord sent by a client, so the header tasks have no parent;
the body is sent later by the worker that finishes the last header task.
"""
import json
import sys

from celery import chord

from tasks import add, tsum

queue, n = sys.argv[1], int(sys.argv[2])
result = chord([add.s(i, i).set(queue=queue) for i in range(n)], tsum.s().set(queue=queue)).apply_async()
print(json.dumps({
    'body': result.id,
    'group': result.parent.id,
    'header': [child.id for child in result.parent.results],
}), flush=True)
