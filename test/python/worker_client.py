"""Python's side of the interop tests with Pollen's TypeScript worker: a plain Celery client (the app of
test/python/tasks.py, so the same broker and backend) that sends tasks by name and reports what Python
sees, as one JSON document on the last line of its output.

  worker_client.py call '<json list of specs>'
      sends every spec {name, args, kwargs, countdown, expires, queue, timeout} at once, then waits for each
      with AsyncResult.get() and reports {id, name, state, result | exc {type, module, message, args},
      elapsed (send -> get returned, s), done_after (send -> date_done, s)}
  worker_client.py progress <steps> <delay> [queue]
      sends examples.progress and polls AsyncResult.state / .info while it runs: reports each change seen
  worker_client.py canvas
      a chain and a chord that mix a Python worker (queue py) and a TS worker (queue ts)
  worker_client.py send '<spec>'        sends only; prints {"id": ...} (a list of specs: {"ids": [...]})
  worker_client.py wait <id> <timeout>  waits for a result sent before
"""
import json
import sys
import time
from datetime import datetime, timezone

from celery import chain, chord, signature

from tasks import add, app  # noqa: F401 (add: a Python task signature)


def exc_info(exc):
    cls = type(exc)
    return {'type': cls.__name__, 'module': cls.__module__, 'message': str(exc), 'args': [repr(a) if not isinstance(a, (str, int, float)) else a for a in exc.args]}


def wait(result, timeout, sent_at):
    report = {'id': result.id}
    try:
        report['result'] = result.get(timeout=timeout)
    except Exception as exc:  # the task's own exception, rebuilt by Celery
        report['exc'] = exc_info(exc)
    report['elapsed'] = time.time() - sent_at
    report['state'] = result.state
    done = result.date_done
    if isinstance(done, str):
        done = datetime.fromisoformat(done)
    if done is not None:
        if done.tzinfo is None:
            done = done.replace(tzinfo=timezone.utc)
        report['done_after'] = done.timestamp() - sent_at
    meta = app.backend.get_task_meta(result.id)
    report['worker'] = meta.get('worker')
    return report


def send(spec):
    options = {k: spec[k] for k in ('countdown', 'expires', 'queue') if spec.get(k) is not None}
    return app.send_task(spec['name'], args=spec.get('args'), kwargs=spec.get('kwargs'), **options)


def call(specs):
    sent = []
    for spec in specs:
        sent_at = time.time()
        sent.append((spec, send(spec), sent_at))
    reports = []
    for spec, result, sent_at in sent:
        report = wait(result, spec.get('timeout', 30), sent_at)
        report['name'] = spec['name']
        reports.append(report)
    return reports


def progress(steps, delay, queue):
    result = app.send_task('examples.progress', args=[steps, delay], queue=queue)
    seen = []
    deadline = time.time() + 30
    while time.time() < deadline:
        state, info = result.state, result.info
        if isinstance(info, BaseException):
            info = exc_info(info)
        entry = {'state': state, 'info': info}
        if not seen or seen[-1] != entry:
            seen.append(entry)
        if state in ('SUCCESS', 'FAILURE', 'REVOKED'):
            break
        time.sleep(0.02)
    return {'id': result.id, 'seen': seen, 'result': result.get(timeout=5)}


def canvas():
    """Chains and chords across a Python worker (queue py) and a TS worker (queue ts).

    {case: {result, worker (stored by the TS worker only), parent_id (of the last task), parents (ids of
    the chain step before it, or of the chord's header parts)}}
    """
    ts = lambda name, *args: signature(name, args=args, queue='ts')
    py = lambda name, *args: signature(name, args=args, queue='py')
    flows = {
        # Python runs add(1, 2), then sends the next step (to the TS worker) with the result.
        'chain_py_ts': chain(add.s(1, 2).set(queue='py'), ts('examples.add', 10)),
        # The TS worker runs the first step and sends the next one to Python.
        'chain_ts_py': chain(ts('examples.add', 1, 2), py('tasks.add', 10)),
        'chord': chord([add.s(1, 1).set(queue='py'), ts('examples.add', 2, 2)], ts('examples.tsum')),
        # The TS part ends last: the TS worker completes the chord and sends the body to Python.
        'chord_ts_last': chord([py('tasks.add', 1, 1), ts('examples.sleep', 0.5)], py('tasks.tsum')),
        # The Python part ends last: Python completes the chord and sends the body to the TS worker.
        'chord_py_last': chord([py('tasks.sleep', 0.5), ts('examples.add', 2, 2)], ts('examples.tsum')),
    }
    sent = {name: flow.apply_async() for name, flow in flows.items()}
    out = {}
    for name, result in sent.items():
        try:
            value = result.get(timeout=10)
        except Exception as exc:  # reported, so that one broken case does not hide the others
            out[name] = {'error': repr(exc), 'state': result.state}
            continue
        meta = app.backend.get_task_meta(result.id)
        parent = result.parent
        # A chain's last step: the step before it; a chord's body: the header parts, in order.
        parents = [r.id for r in parent.results] if hasattr(parent, 'results') else [parent.id] if parent is not None else []
        out[name] = {'result': value, 'worker': meta.get('worker'), 'parent_id': meta.get('parent_id'), 'parents': parents}
    return out


def main(argv):
    command = argv[1]
    if command == 'call':
        out = call(json.loads(argv[2]))
    elif command == 'progress':
        out = progress(int(argv[2]), float(argv[3]), argv[4] if len(argv) > 4 else None)
    elif command == 'canvas':
        out = canvas()
    elif command == 'send':
        spec = json.loads(argv[2])
        out = {'ids': [send(one).id for one in spec]} if isinstance(spec, list) else {'id': send(spec).id}
    elif command == 'wait':
        out = wait(app.AsyncResult(argv[2]), float(argv[3]), time.time())
    else:
        raise SystemExit('unknown command %r' % command)
    print(json.dumps(out, default=repr), flush=True)


if __name__ == '__main__':
    main(sys.argv)
