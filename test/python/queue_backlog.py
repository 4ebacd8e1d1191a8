"""Leaves a backlog: queue_backlog.py <queue> <priorities as JSON> [global_keyprefix].

Sends one tasks.add per priority with send_task, as any Celery producer does, so that kombu puts each
message on the Redis list of its priority step (`<queue>`, `<queue>\\x06\\x163`, ...) under the key prefix.
task-sent events are on, so a monitor learns the queue's name. Prints the task ids.
"""
import json
import sys

from tasks import app

queue, priorities = sys.argv[1], json.loads(sys.argv[2])
prefix = sys.argv[3] if len(sys.argv) > 3 else ''
if prefix:
    app.conf.broker_transport_options = {'global_keyprefix': prefix}
app.conf.task_send_sent_event = True
for priority in priorities:
    print(app.send_task('tasks.add', args=[1, 2], queue=queue, priority=priority).id, flush=True)
