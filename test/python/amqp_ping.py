"""Pings one node over the pidbox, as `celery inspect ping -d <node>` does, and prints the replies as
JSON after 'REPLIES ': amqp_ping.py <node> [<timeout in seconds>]."""
import json
import sys

from tasks import app

node = sys.argv[1]
timeout = float(sys.argv[2]) if len(sys.argv) > 2 else 5.0
print('REPLIES', json.dumps(app.control.inspect(destination=[node], timeout=timeout).ping()), flush=True)
