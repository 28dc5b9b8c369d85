"""`python app.py` serves Kotsukotsu; `app` is the WSGI application for other servers."""
import sys

from trust import create_app
from trust.config import SettingError

try:
    app = create_app()
except SettingError as error:
    sys.exit(f"kotsukotsu: {error}")

if __name__ == "__main__":
    from trust.server import serve

    serve(app)
