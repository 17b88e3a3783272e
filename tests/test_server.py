"""server.py: the first visitor after a start gets a page, not a blank screen.

Before, the first script run of a fresh server imported pandas, Plotly, DuckDB, SciPy and the
metrics (4 s on a quiet machine, over 10 s on a loaded one) before it drew anything. Now the
server does that, and opens the warehouse and puts the guards in place, before it accepts a
connection."""
from streamlit.proto.BackMsg_pb2 import BackMsg

from tests.ws_support import ROOT, Client, server, texts


def test_the_server_accepts_no_connection_before_the_dashboard_is_ready(demo_path, tmp_path):
    log = tmp_path / "server.log"
    with server(ROOT / "server.py", {"LCC_WAREHOUSE": str(demo_path)}, log) as url:
        # the health check answered: the lifespan had finished by then
        assert "Dashboard modules imported in" in log.read_text()
        client = Client(url)
        try:
            msg = BackMsg()
            msg.rerun_script.query_string = ""
            client.send(msg)
            kinds, elements = [], []
            while not kinds or kinds[-1] != "script_finished":
                fwd = client.receive()
                kinds.append(fwd.WhichOneof("type"))
                if kinds[-1] == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                    elements.append(fwd.delta.new_element)
            assert kinds.index("page_config_changed") < kinds.index("delta")
            # the first page of the first session of a fresh server: the demo banner and the menu
            assert "Demo mode: no sign-in is configured" in texts(elements)
        finally:
            client.close()
