"""A Python Celery 5.2 client for the result-backend integration tests (lib/backend). Prints one JSON value.

    backend_client.py send <task name> <task id> <args JSON> [queue]
    backend_client.py get [--extended] [--timeout S] <task id>...   each result, or the exception Python raises
    backend_client.py chord <spec JSON>           sends chords whose header parts go to the queues given
    backend_client.py group-save <group id> <task id>...
    backend_client.py group-restore <group id>
    backend_client.py add-consumer <queue> <node name>

Uses test/python/tasks.py's app, with the broker and backend from the environment.
"""
import json
import sys

from celery import chord, signature
from celery.result import AsyncResult, GroupResult

from tasks import app


def describe_exception(exc):
    cls = type(exc)
    return {
        'class': cls.__name__,
        'module': cls.__module__,
        'qualname': cls.__qualname__,
        'mro': [c.__name__ for c in cls.__mro__],
        'args': [a if isinstance(a, (str, int, float, bool, type(None))) else repr(a) for a in exc.args],
        'str': str(exc),
        'repr': repr(exc),
        'is_value_error': isinstance(exc, ValueError),
    }


def get(argv):
    extended = '--extended' in argv
    if extended:
        argv.remove('--extended')
        app.conf.result_extended = True
    timeout = 10.0
    if '--timeout' in argv:
        i = argv.index('--timeout')
        timeout = float(argv[i + 1])
        del argv[i:i + 2]
    out = []
    for task_id in argv:
        r = AsyncResult(task_id, app=app)
        item = {'id': task_id}
        try:
            item['value'] = r.get(timeout=timeout)
        except Exception as exc:  # what Python raises is the point
            item['exception'] = describe_exception(exc)
        try:
            item['state'] = r.state
        except Exception as exc:  # reading the state decodes the stored exception too
            item['state_error'] = describe_exception(exc)
        if extended:
            item.update(name=r.name, args=r.args, kwargs=r.kwargs, worker=r.worker, retries=r.retries, queue=r.queue)
        out.append(item)
    return out


def send_chords(spec):
    """spec: [{"header": [{"task", "args", "id", "queue"}], "body": {"task", "id"}}]."""
    out = []
    for c in spec:
        header = [
            signature(h['task'], args=h['args'], app=app).set(task_id=h['id'], queue=h['queue'])
            for h in c['header']
        ]
        body = signature(c['body']['task'], app=app).set(task_id=c['body']['id'])
        result = chord(header, body).apply_async()
        out.append({'body': result.id, 'group': result.parent.id, 'header': [r.id for r in result.parent.results]})
    return out


def main(argv):
    command, args = argv[0], argv[1:]
    if command == 'send':
        queue = args[3] if len(args) > 3 else 'celery'
        return app.send_task(args[0], task_id=args[1], args=json.loads(args[2]), queue=queue).id
    if command == 'get':
        return get(args)
    if command == 'chord':
        return send_chords(json.loads(args[0]))
    if command == 'group-save':
        GroupResult(args[0], [AsyncResult(t, app=app) for t in args[1:]], app=app).save()
        return args[0]
    if command == 'group-restore':
        group = GroupResult.restore(args[0], app=app)
        return None if group is None else {'id': group.id, 'results': [r.id for r in group.results]}
    if command == 'add-consumer':
        return app.control.add_consumer(args[0], destination=[args[1]], reply=True, timeout=5)
    raise SystemExit(f'unknown command {command}')


if __name__ == '__main__':
    print(json.dumps(main(sys.argv[1:])), flush=True)
