"""Python's own event receiver and state machine (app.events.Receiver + app.events.State, as `celery
events` and Flower use them), printing one JSON line per event with what the State then believes:

  {"event": {...as the handler got it...}, "worker_alive": bool|null, "task_state": str|null,
   "heartbeats": int (heartbeats the State keeps for that worker)}

Runs until killed. Prints `receiving` first (the subscription follows at once).
"""
import json

from tasks import app

state = app.events.State()


def on_event(event):
    state.event(event)
    out = {'event': event, 'worker_alive': None, 'task_state': None, 'heartbeats': None}
    worker = state.workers.get(event.get('hostname'))
    if worker is not None:
        out['worker_alive'] = worker.alive
        out['heartbeats'] = len(worker.heartbeats)
    uuid = event.get('uuid')
    if uuid:
        task = state.tasks.get(uuid)
        out['task_state'] = task.state if task is not None else None
    print(json.dumps(out, default=repr), flush=True)


with app.connection() as connection:
    receiver = app.events.Receiver(connection, handlers={'*': on_event})
    print('receiving', flush=True)
    receiver.capture(limit=None, timeout=None, wakeup=False)
