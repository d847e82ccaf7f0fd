"""SQLite's own cost of an import, without Vigil: the hashes of a CSV, in sorted batches of 1M,
inserted with one prepared statement (executemany). Modes: `schema` (the database Vigil created,
as it is), `no-pdq-index` (its (bank_id, pdq) unique index dropped first), `minimal` (a new
WITHOUT ROWID table of (bank_id, pdq) alone). Prints the time spent in inserts, not in parsing."""
import sqlite3, sys, time

path, csv, n, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
db = sqlite3.connect(path, isolation_level=None)
for pragma in ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL", "PRAGMA foreign_keys = ON",
               "PRAGMA cache_size = -262144", "PRAGMA temp_store = MEMORY"]:
    db.execute(pragma)
if mode == "minimal":
    db.execute("CREATE TABLE floor (bank_id INTEGER NOT NULL, pdq BLOB NOT NULL, PRIMARY KEY (bank_id, pdq)) WITHOUT ROWID")
    insert, bank = "INSERT INTO floor (bank_id, pdq) VALUES (?, ?) ON CONFLICT DO NOTHING", 1
else:
    if mode == "no-pdq-index":
        db.execute("DROP INDEX bank_entries_pdq")
    insert = ("INSERT INTO bank_entries (bank_id, pdq, metadata, added_by, added_at) VALUES (?, ?, '{}', 'import', 1) "
              "ON CONFLICT DO NOTHING")
    bank = db.execute("SELECT id FROM banks").fetchone()[0]
source = open(csv)
source.readline()
spent, done = 0.0, 0
while done < n:
    rows = sorted(bytes.fromhex(source.readline().strip()) for _ in range(min(1_000_000, n - done)))
    start = time.time()
    db.execute("BEGIN")
    db.executemany(insert, ((bank, row) for row in rows))
    db.execute("COMMIT")
    spent += time.time() - start
    done += len(rows)
print(f"SQLite floor ({mode}): {done} rows, {spent:.1f} s in inserts")
