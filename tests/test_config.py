"""Settings are parsed strictly, documented, and `python app.py` really starts."""
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from trust.config import SETTINGS, SettingError, read_settings

ROOT = Path(__file__).resolve().parent.parent


def test_defaults_apply_when_nothing_is_set():
    values = read_settings({})
    assert values["TRUST_PORT"] == 8000 and values["TRUST_HOST"] == "127.0.0.1"


@pytest.mark.parametrize(
    "name, raw",
    [("TRUST_PORT", "eighty"), ("TRUST_PORT", "70000"), ("TRUST_COOKIE_SECURE", "maybe"),
     ("TRUST_PROXY_COUNT", "-1"), ("TRUST_LOGIN_ATTEMPTS", "0"), ("TRUST_HOST", "   ")],
)
def test_a_malformed_value_names_the_setting(name, raw):
    with pytest.raises(SettingError, match=name):
        read_settings({name: raw})


def test_secret_values_are_not_echoed_and_can_come_from_a_file(tmp_path):
    secret = tmp_path / "key"
    secret.write_text("from-a-file\n")
    assert read_settings({"TRUST_SECRET_KEY_FILE": str(secret)})["TRUST_SECRET_KEY"] == "from-a-file"
    with pytest.raises(SettingError, match="TRUST_SECRET_KEY_FILE"):
        read_settings({"TRUST_SECRET_KEY_FILE": str(tmp_path / "missing")})


def test_every_setting_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    missing = [s.name for s in SETTINGS if f"`{s.name}`" not in readme]
    assert missing == []


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_python_app_py_migrates_and_serves(tmp_path):
    port = free_port()
    env = dict(os.environ, TRUST_INSTANCE_PATH=str(tmp_path / "instance"), TRUST_PORT=str(port))
    env.pop("TRUST_DATABASE_URL", None)
    process = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    assert json.load(response)["status"] == "ok"
                    break
            except OSError:
                assert process.poll() is None, process.stdout.read().decode()
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        assert (tmp_path / "instance" / "kotsukotsu.sqlite3").exists()
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_a_malformed_setting_stops_start_up_with_a_message(tmp_path):
    env = dict(os.environ, TRUST_INSTANCE_PATH=str(tmp_path), TRUST_PORT="not-a-port")
    result = subprocess.run([sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    assert "TRUST_PORT" in result.stderr and "Traceback" not in result.stderr


def wait_for_line(process, text, timeout=30):
    """Read the process's output until a line contains `text`; return everything read."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline().decode()
        if not line and process.poll() is not None:
            break
        seen.append(line)
        if text in line:
            return "".join(seen)
    raise AssertionError(f"{text!r} not seen in: {''.join(seen)}")


def test_the_scheduler_process_stops_cleanly_on_sigterm(tmp_path):
    env = dict(os.environ, TRUST_INSTANCE_PATH=str(tmp_path))
    env.pop("TRUST_DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "flask", "--app", "app", "migrate"], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=60)
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "scheduler"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_for_line(process, "scheduler process started")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        assert "scheduler stopped" in process.stdout.read().decode()
    finally:
        process.kill()


def test_python_app_py_runs_the_scheduler_and_stops_on_sigterm(tmp_path):
    port = free_port()
    env = dict(os.environ, TRUST_INSTANCE_PATH=str(tmp_path), TRUST_PORT=str(port))
    env.pop("TRUST_DATABASE_URL", None)
    process = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_for_line(process, "scheduler started in-process")
        wait_for_line(process, "Serving on")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        assert "scheduler stopped" in process.stdout.read().decode()
    finally:
        process.kill()
