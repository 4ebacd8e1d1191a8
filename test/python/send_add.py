"""Sends tasks.add(20, 22) and prints its id once the result is in (so the worker is back)."""
from tasks import add

result = add.apply_async((20, 22), retry=True)
assert result.get(timeout=60) == 42
print(result.id, flush=True)
