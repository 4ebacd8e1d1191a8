"""Remote control of one worker from Python's own client (app.control), printing the replies as JSON on
the last line: what `celery inspect` / `celery control` receive.

  worker_control.py inspect <method> <node> ['<json arguments>']   {node: reply} (inspect()._request)
  worker_control.py control <method> <node> ['<json arguments>']   [{node: reply}] (broadcast(reply=True))
  worker_control.py terminate-running <node> <seconds>
      sends examples.sleep(<seconds>), waits until `inspect active` lists it, revokes it with
      terminate=True (SIGTERM), then waits for its result: {id, active, reply, state, exc, elapsed}
"""
import json
import sys
import time

from tasks import app

TIMEOUT = 5.0


def inspect(method, node, arguments):
    return app.control.inspect(destination=[node], timeout=TIMEOUT)._request(method, **arguments)


def control(method, node, arguments):
    return app.control.broadcast(method, arguments=arguments, destination=[node], reply=True, timeout=TIMEOUT)


def terminate_running(node, seconds):
    result = app.send_task('examples.sleep', args=[seconds])
    started = time.time()
    active = []
    while time.time() - started < 15:
        replies = inspect('active', node, {}) or {}
        active = replies.get(node) or []
        if any(r.get('id') == result.id for r in active):
            break
        time.sleep(0.05)
    reply = app.control.revoke(result.id, terminate=True, signal='SIGTERM', reply=True, destination=[node], timeout=TIMEOUT)
    out = {'id': result.id, 'active': active, 'reply': reply}
    try:
        out['result'] = result.get(timeout=15)
    except Exception as exc:
        out['exc'] = {'type': type(exc).__name__, 'module': type(exc).__module__, 'message': str(exc)}
    out['state'] = result.state
    out['elapsed'] = time.time() - started
    return out


def main(argv):
    command = argv[1]
    if command in ('inspect', 'control'):
        arguments = json.loads(argv[4]) if len(argv) > 4 else {}
        out = (inspect if command == 'inspect' else control)(argv[2], argv[3], arguments)
    elif command == 'terminate-running':
        out = terminate_running(argv[2], float(argv[3]))
    else:
        raise SystemExit('unknown command %r' % command)
    print(json.dumps(out, default=repr), flush=True)


if __name__ == '__main__':
    main(sys.argv)
