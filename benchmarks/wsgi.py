"""What the load test's gunicorn serves: the product, and beside it a bare Flask hello-world.

The hello-world is the framework's ceiling on this machine (the same gunicorn, workers and client),
so the product's throughput can be read against it. It lives here, outside ``attendance``, so that the
product itself gets no extra route: ``/__hello`` is answered before the product sees the request.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from attendance import create_app

HELLO_PATH = "/__hello"

hello = Flask("hello")


@hello.get("/")
def hello_world() -> str:
    return "Hello, World!"


product = create_app()
app = DispatcherMiddleware(product, {HELLO_PATH: hello})
