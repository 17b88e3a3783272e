"""A raw Streamlit websocket client, the way an attacker (or a browser) talks to the server:
protobuf BackMsg out, ForwardMsg in, over /_stcore/stream. And a running server to talk to."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

import websocket
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server(script: Path, env: dict[str, str], log: Path):
    """`streamlit run script` on a free port; yields its http://127.0.0.1:PORT address."""
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
           "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"]
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).status == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start:\n{log.read_text()}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def fetch(url: str) -> tuple[int, bytes]:
    """GET with no cookie and no session: (status, body)."""
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


class Client:
    """One websocket session. run() reruns the script and returns the elements it drew."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.session_id = ""
        self.ws = websocket.create_connection(url.replace("http", "ws", 1) + "/_stcore/stream",
                                              subprotocols=["streamlit"], timeout=120)

    def close(self) -> None:
        self.ws.close()

    def send(self, msg: BackMsg) -> None:
        self.ws.send_binary(msg.SerializeToString())

    def receive(self) -> ForwardMsg:
        msg = ForwardMsg()
        msg.ParseFromString(self.ws.recv())
        return msg

    def run(self, query: str = "", page: str = "", widgets: dict | None = None) -> list:
        """Rerun with these widget values ({id: value}; True for a button's click) and wait
        for the run to finish. Returns every new element (Element protos) of the run."""
        msg = BackMsg()
        msg.rerun_script.query_string = query
        msg.rerun_script.page_name = page
        for wid, value in (widgets or {}).items():
            state = WidgetState(id=wid)
            if value is True:
                state.trigger_value = True
            else:
                state.string_value = value
            msg.rerun_script.widget_states.widgets.append(state)
        self.send(msg)
        elements = []
        while True:
            fwd = self.receive()
            kind = fwd.WhichOneof("type")
            if kind == "new_session":
                self.session_id = fwd.new_session.initialize.session_id
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                elements.append(fwd.delta.new_element)
            elif kind == "script_finished":
                if fwd.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    elements = []   # a st.rerun(): the next run's elements follow
                    continue
                return elements

    def deferred(self, file_id: str) -> ForwardMsg:
        """Ask for a deferred download as the page's button does; the backend operation response."""
        msg = BackMsg()
        msg.backend_operation_request.request_id = uuid.uuid4().hex
        msg.backend_operation_request.session_id = self.session_id
        msg.backend_operation_request.deferred_file.file_id = file_id
        self.send(msg)
        while True:
            fwd = self.receive()
            if fwd.WhichOneof("type") == "backend_operation_response":
                return fwd.backend_operation_response

    def clear_cache(self) -> None:
        msg = BackMsg()
        msg.clear_cache = True
        self.send(msg)


def widgets(elements, kind: str) -> list:
    """The protos of this element kind ('text_input', 'button', 'download_button', ...)."""
    return [getattr(e, kind) for e in elements if e.WhichOneof("type") == kind]


def texts(elements) -> str:
    out = []
    for e in elements:
        kind = e.WhichOneof("type")
        if kind == "alert":
            out.append(e.alert.body)
        elif kind in ("markdown", "heading"):
            out.append(getattr(e, kind).body)
    return "\n".join(out)
