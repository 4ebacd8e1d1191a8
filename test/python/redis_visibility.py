"""The test app (tasks.py) with kombu's Redis visibility timeout cut to 1 second, so that a worker started
with `-A redis_visibility` restores messages left unacknowledged for over a second when it starts."""
from tasks import app

app.conf.broker_transport_options = {'visibility_timeout': 1}
