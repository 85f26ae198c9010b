"""Run by ``tests/test_hostile_input.py`` in a process of its own, on a SQLite file (the
demo's database): two requests' transactions that read, then write, at the same time. With
the settings' busy timeout and immediate transactions both commit, one after the other;
without them one fails with "database is locked" (issue 11: a 500 on concurrent sign-offs)."""

import os
import sys
import threading
import time

os.environ["DATABASE_URL"] = f"sqlite:///{sys.argv[1]}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")

import django

django.setup()

from django.db import connection, connections, transaction  # noqa: E402

with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE IF NOT EXISTS probe (n INTEGER)")
connection.close()

failures: list[str] = []


def sign_off(n: int) -> None:
    try:
        with transaction.atomic():
            with connections["default"].cursor() as cursor:
                cursor.execute("SELECT COUNT(*) FROM probe")  # read the state …
                time.sleep(0.3)  # … while the other request reads it too …
                cursor.execute("INSERT INTO probe (n) VALUES (%s)", [n])  # … then write
    except Exception as exc:
        failures.append(f"{type(exc).__name__}: {exc}")
    finally:
        connections.close_all()


threads = [threading.Thread(target=sign_off, args=(n,)) for n in range(2)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
with connection.cursor() as cursor:
    cursor.execute("SELECT COUNT(*) FROM probe")
    count = cursor.fetchone()[0]
print(f"failures={failures!r} rows={count}")
sys.exit(1 if failures or count != 2 else 0)
