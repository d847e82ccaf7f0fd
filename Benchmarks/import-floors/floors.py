"""The databases' own cost of an import, without Vigil: the hashes of a CSV in sorted batches of 1M,
as Vigil's import batches them.

  floors.py sqlite DB CSV N MODE   inserts them with one prepared statement (executemany) and prints
                                   the time spent in inserts, not in parsing. MODE: `schema` (the
                                   database Vigil created, as it is), `no-pdq-index` (its
                                   (bank_id, pdq) unique index dropped first), `minimal` (a new
                                   WITHOUT ROWID table of (bank_id, pdq) alone).
  floors.py copy-files DIR CSV N   writes each batch as a file of COPY rows for bank_entries (bank 1),
                                   without in-batch repeats, as Vigil sends them.
"""
import sqlite3, sys, time


def batches(csv, n):
    source = open(csv)
    source.readline()
    done = 0
    while done < n:
        size = min(1_000_000, n - done)
        yield sorted(source.readline().strip() for _ in range(size))
        done += size


def sqlite_floor(path, csv, n, mode):
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
    spent, done = 0.0, 0
    for batch in batches(csv, n):
        rows = [bytes.fromhex(row) for row in batch]
        start = time.time()
        db.execute("BEGIN")
        db.executemany(insert, ((bank, row) for row in rows))
        db.execute("COMMIT")
        spent += time.time() - start
        done += len(rows)
    print(f"SQLite floor ({mode}): {done} rows, {spent:.1f} s in inserts")


def copy_files(directory, csv, n):
    for number, batch in enumerate(batches(csv, n)):
        with open(f"{directory}/batch{number:03}.tsv", "w") as out:
            out.writelines(f"1\t\\\\x{row}\t{{}}\timport\t1\n" for row in sorted(set(batch)))


if sys.argv[1] == "sqlite":
    sqlite_floor(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
else:
    copy_files(sys.argv[2], sys.argv[3], int(sys.argv[4]))
