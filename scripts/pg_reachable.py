"""Exit 0 when the PostgreSQL server in argv[1] accepts a connection."""
import sys

import psycopg

try:
    psycopg.connect(sys.argv[1], connect_timeout=3).close()
except psycopg.Error as exc:
    print(f"cannot connect: {exc}".strip(), file=sys.stderr)
    sys.exit(1)
