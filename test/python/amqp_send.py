"""Sends a task with apply_async and prints each id on a line of its own:
amqp_send.py <task name> <queue> <args as JSON> [<headers as JSON> [<count>]].

The headers go through apply_async(headers=...), so py-amqp writes an integer outside ±2**31 with
the field type L (signed 64-bit), which plain amqplib cannot read."""
import json
import sys

from tasks import app

name, queue, args = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
headers = json.loads(sys.argv[4]) if len(sys.argv) > 4 else None
count = int(sys.argv[5]) if len(sys.argv) > 5 else 1
task = app.tasks[name]
for _ in range(count):
    print('SENT', task.apply_async(args=args, queue=queue, headers=headers).id, flush=True)
