"""A query written to the database now and its result read later: libpq's asynchronous command functions
(PQsendQuery, PQgetResult) on psycopg2's own connection.

The outbox's sender records a row as sent the moment its message is handed to the mail server (see
notifications.services._SentMarker). Written with PQsendQuery, the record is on its way to PostgreSQL at once
(PQsendQuery on a blocking connection returns once the whole query is written to the socket), and PostgreSQL
carries it out while the sender waits for the mail server's answer; the result is read after that answer. With
psycopg2's `execute` the sender would wait for PostgreSQL first and for the mail server after.

Between `query_send` and `query_finish` nothing else may use the connection. Where libpq's functions cannot be
found (psycopg2 not built as expected), `available()` is False and the caller runs the query the usual way.
"""

import ctypes
import functools
from typing import Any

from django.db import DatabaseError

PGRES_COMMAND_OK = 1
PGRES_TUPLES_OK = 2


@functools.cache
def _library() -> Any:
    try:
        import psycopg2

        library = ctypes.CDLL(psycopg2._psycopg.__file__)  # its libpq's symbols are found through it
        library.PQsendQuery.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
        library.PQsendQuery.restype = ctypes.c_int
        library.PQgetResult.argtypes = [ctypes.c_void_p]
        library.PQgetResult.restype = ctypes.c_void_p
        library.PQresultStatus.argtypes = [ctypes.c_void_p]
        library.PQresultStatus.restype = ctypes.c_int
        library.PQresultErrorMessage.argtypes = [ctypes.c_void_p]
        library.PQresultErrorMessage.restype = ctypes.c_char_p
        library.PQclear.argtypes = [ctypes.c_void_p]
        library.PQclear.restype = None
        library.PQerrorMessage.argtypes = [ctypes.c_void_p]
        library.PQerrorMessage.restype = ctypes.c_char_p
        library.PQisnonblocking.argtypes = [ctypes.c_void_p]
        library.PQisnonblocking.restype = ctypes.c_int
    except (ImportError, OSError, AttributeError):
        return None
    return library


def available(raw_connection: Any) -> bool:
    """Whether a query can be sent on this psycopg2 connection without waiting for its result."""
    library = _library()
    pointer = getattr(raw_connection, "pgconn_ptr", None)
    return library is not None and pointer is not None and not library.PQisnonblocking(ctypes.c_void_p(pointer))


def query_send(raw_connection: Any, sql: bytes) -> None:
    """Write the query (one or more statements, parameters already in it) to the server and return without reading
    its result."""
    pointer = ctypes.c_void_p(raw_connection.pgconn_ptr)
    library = _library()
    if not library.PQsendQuery(pointer, sql):
        raise DatabaseError(library.PQerrorMessage(pointer).decode(errors="replace").strip())


def query_finish(raw_connection: Any) -> None:
    """Read every result of the query sent; raise DatabaseError with the server's message if a statement failed."""
    pointer = ctypes.c_void_p(raw_connection.pgconn_ptr)
    library = _library()
    errors = []
    while result := library.PQgetResult(pointer):
        if library.PQresultStatus(result) not in (PGRES_COMMAND_OK, PGRES_TUPLES_OK):
            errors.append(library.PQresultErrorMessage(result).decode(errors="replace").strip())
        library.PQclear(result)
    if errors:
        raise DatabaseError("; ".join(errors))
