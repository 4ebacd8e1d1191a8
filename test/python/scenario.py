"""Runs the task scenario of the collector's integration test against a live cluster and prints, as one
JSON object, the id of each task it started (keys below). Uses test/python/tasks.py's app and its
broker/backend from the environment. Queue 'celery' is served by a prefork worker with -E.
"""
import json
import sys
import time
import uuid

from celery import chain, chord, group

from tasks import add, fail, flaky, sleep, tsum, app

ids = {}
ids['success'] = add.apply_async((2, 3)).id
ids['kwargs'] = add.apply_async(kwargs={'x': 4, 'y': 5}).id
ids['failure'] = fail.apply_async(('scenario boom',)).id
ids['retried'] = flaky.apply_async(kwargs={'succeed_after': 2}).id
ids['eta'] = add.apply_async((10, 10), countdown=2).id
ids['expired'] = add.apply_async((1, 1), countdown=2, expires=1).id

# Revoked before it starts: the revoke reaches the worker before the task does.
revoked_id = str(uuid.uuid4())
app.control.revoke(revoked_id)
time.sleep(0.5)
ids['revoked'] = add.apply_async((7, 7), task_id=revoked_id).id

c = chain(add.s(1, 2), add.s(3), add.s(4)).apply_async()
ids['chain_last'] = c.id
ids['chain_middle'] = c.parent.id
ids['chain_first'] = c.parent.parent.id
g = group(add.s(i, i) for i in range(3)).apply_async()
ids['group'] = [r.id for r in g.results]
ch = chord((add.s(i, i) for i in range(3)), tsum.s()).apply_async()
ids['chord_body'] = ch.id
ids['chord_header'] = [r.id for r in ch.parent.results]

# Terminated while running: a long task, revoked with terminate once it has started.
ids['terminated'] = sleep.apply_async((30,)).id
time.sleep(3)
app.control.revoke(ids['terminated'], terminate=True, signal='SIGTERM')

print(json.dumps(ids), flush=True)
sys.exit(0)
