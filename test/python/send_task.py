"""Sends a task by name and prints its id without waiting: send_task.py <name> <queue> <args as JSON>."""
import json
import sys

from tasks import app

name, queue, args = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
print(app.send_task(name, args=args, queue=queue).id, flush=True)
