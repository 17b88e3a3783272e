"""Guards around three things the Streamlit server gives any client, signed in or not, and for
which it has no option to turn them off (checked in Streamlit 1.67's source):

- the `clear_cache` websocket message (AppSession._handle_clear_cache_request) empties every
  st.cache_data and st.cache_resource of the process, for every user: refused, and audited;
- /media/<id> serves every download_button's file to whoever has the address, with no session:
  a downloadable file is served only to the click that made it (FETCHES requests within
  ISSUED_FOR seconds, revoked at sign-out), and only when it was made
  through components/exports.py's checked, audited callable (MediaFileManager.execute_deferred);
- /_stcore/metrics tells anyone the sessions, caches and memory of the process: it reports nothing.

install() runs at the top of dashboard.py, so every script run makes sure the guards are in
place; it patches the running server's objects once per process. Before the first script run
of a process nothing has been cached or issued yet, so there is nothing to protect.
"""
from __future__ import annotations

import logging
import threading
import time

from streamlit import runtime
from streamlit.runtime.app_session import AppSession
from streamlit.runtime.media_file_storage import MediaFileKind, MediaFileStorageError
from streamlit.runtime.memory_media_file_storage import get_extension_for_mimetype

from auth import audit

ISSUED_FOR = 60   # seconds an address made by a click may be fetched
FETCHES = 2       # Streamlit's own page fetches the address to check it, then downloads it
_LOG = logging.getLogger(__name__)
_lock = threading.Lock()
_issued: dict[str, list] = {}   # file id -> [when execute_deferred made it, for which session, fetches left]


def install() -> None:
    """Put every guard in place (idempotent)."""
    _guard_clear_cache()
    if not runtime.exists():
        return
    rt = runtime.get_instance()
    with _lock:
        if getattr(rt, "_lcc_guarded", False) is True:
            return
        _guard_media(rt.media_file_mgr)
        _guard_metrics(rt.stats_mgr)
        rt._lcc_guarded = True


# ------------------------------------------------------------------------------- clear_cache

def _refuse_clear_cache(session: AppSession) -> None:
    """In place of Streamlit's handler: the caches stay, and the attempt is on record."""
    _LOG.warning("Refused a clear_cache request from session %s", getattr(session, "id", "?"))
    try:
        audit.record("clear_cache_refused", user="", role=None, detail={"session": getattr(session, "id", None)})
    except OSError:
        pass   # refusing matters more than recording it


def _guard_clear_cache() -> None:
    if AppSession._handle_clear_cache_request is not _refuse_clear_cache:
        AppSession._handle_clear_cache_request = _refuse_clear_cache


# ------------------------------------------------------------------------------- /media

def _file_id(url: str) -> str:
    return url.rsplit("/", 1)[-1].split(".", 1)[0]


def _guard_media(manager) -> None:
    execute = manager.execute_deferred
    storage = manager._storage
    get_file = storage.get_file

    def execute_deferred(file_id: str) -> str:
        entry = manager._deferred_callables.get(file_id) or {}
        url = execute(file_id)   # runs exports.server's check and audit; raises when refused
        with _lock:
            _issued[_file_id(url)] = [time.monotonic(), entry.get("session_id", ""), FETCHES]
        return url

    def guarded_get_file(filename: str):
        found = get_file(filename)
        if found.kind != MediaFileKind.DOWNLOADABLE:
            return found   # pictures on the page (st.image) are dropped with the session's run
        key = _file_id(filename)
        with _lock:
            for stale in [k for k, (t, _, _) in _issued.items() if time.monotonic() - t > ISSUED_FOR]:
                del _issued[stale]
            made = _issued.get(key)
            if made is not None:
                made[2] -= 1
                if made[2] <= 0:
                    del _issued[key]
        if made is None:
            raise MediaFileStorageError(f"{filename}: a download is served only to the click that made it")
        return found

    def get_url(file_id: str) -> str:
        # Streamlit's own get_url goes through get_file: the address of a file just made must
        # not count as its one fetch.
        try:
            found = storage._files_by_id[file_id]
        except KeyError as e:
            raise MediaFileStorageError(f"No media file with id {file_id!r}") from e
        return f"{storage._media_endpoint}/{file_id}{get_extension_for_mimetype(found.mimetype)}"

    manager.execute_deferred = execute_deferred
    storage.get_url = get_url
    storage.get_file = guarded_get_file


def revoke(session_id: str | None) -> int:
    """Forget the files made for this Streamlit session and not fetched yet (at sign-out):
    their addresses answer 404 from now on. Returns how many."""
    if not session_id:
        return 0
    with _lock:
        gone = [k for k, (_, sid, _) in _issued.items() if sid == session_id]
        for k in gone:
            del _issued[k]
    return len(gone)


def current_session_id() -> str | None:
    from streamlit.runtime.scriptrunner import get_script_run_ctx
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx else None


def _guard_metrics(stats) -> None:
    stats.get_stats = lambda *args, **kwargs: {}
    stats.registered_families = lambda *args, **kwargs: []
