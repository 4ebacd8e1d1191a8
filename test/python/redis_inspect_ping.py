"""Pings one node through Celery's remote control and prints the replies as JSON:
redis_inspect_ping.py <node name> [timeout seconds]. Prints null when nobody answered."""
import json
import sys

from tasks import app

node = sys.argv[1]
timeout = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0
print(json.dumps(app.control.inspect(destination=[node], timeout=timeout).ping()), flush=True)
