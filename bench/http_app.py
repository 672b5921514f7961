"""WSGI entry used only by bench/throughput.py: the real application plus one trivial route, the reference for
what the server, Flask and the app's request hooks cost before any view does work. Not production code.

    gunicorn -w 4 'bench.http_app:app'
"""

from app import create_app

app = create_app()


@app.get("/bench/bare")
def bare():
    """No login, no database: the floor under every API endpoint."""
    return {"status": "ok"}
