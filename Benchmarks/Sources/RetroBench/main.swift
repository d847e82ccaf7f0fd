import Banks
import BenchmarkInputs
import Foundation
import PDQ
import Screening
import Storage

// The retroactive check at scale (issue 31 §1). Usage:
//   RetroBench fill DB N      add N screened signals to the SQLite file DB (random PDQs, quality 90; no MD5 or
//                             SHA-256: those are found through their own indexes, not by the search timed here;
//                             the day and account indexes, which the check never reads, are dropped first)
//   RetroBench check DB B     add B new entries to a match bank (100 of them planted: each has one screened copy
//                             at distance 8), then time: reading every screened PDQ alone (the read floor), and
//                             the whole retroactive check as the server runs it; checks that every planted copy is found
// Benchmarks/retro.sh runs both at the sizes it is given.

let clock = ContinuousClock()
func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
func residentMB() -> Double {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
    return (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
}

let arguments = CommandLine.arguments
guard arguments.count == 4, let count = Int(arguments[3]) else {
    print("usage: RetroBench fill DB N | RetroBench check DB B")
    exit(2)
}
let database = try await VigilDatabase.open(.sqlite(path: arguments[2]))

switch arguments[1] {
case "fill":
    let start = clock.now
    // The day and account indexes serve the purge and an account's deletion, never the check:
    // without them 100M signals fill in minutes instead of an hour.
    try await database.run { sql in
        try await sql.raw("DROP INDEX IF EXISTS screened_by_day").run()
        try await sql.raw("DROP INDEX IF EXISTS screened_by_account").run()
    }
    let day = ScreenedSignal.day(of: Date())
    let ms = Int64(Date().timeIntervalSince1970 * 1000)
    var done = 0
    while done < count {
        let chunk = min(1_000_000, count - done)
        try await database.run { sql in
            try await sql.raw("""
                WITH RECURSIVE seq(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM seq WHERE x < \(bind: chunk))
                INSERT INTO screened_signals (at, day, lookup_id, api, caller, account_ref, run_id, pdq, pdq_quality, md5, sha256, matched_entries)
                SELECT \(bind: ms), \(bind: day), 'bench-' || x, 'native', 'key:1', 'acct-' || (x % 100000), NULL, randomblob(32), 90, NULL, NULL, '' FROM seq
                """).run()
        }
        done += chunk
        print("filled \(done) of \(count) in \(String(format: "%.1f", seconds(start.duration(to: .now)))) s")
    }
    let kept = try await SQLScreenedStore(database: database).count()
    print("fill: \(kept) screened signals kept, \(String(format: "%.1f", seconds(start.duration(to: .now)))) s")

case "check":
    let store = SQLScreenedStore(database: database)
    let kept = try await store.count()
    // The read floor: every screened PDQ, a page at a time, nothing else done with them.
    var readStart = clock.now
    var after: Int64 = 0, read = 0
    while true {
        let page = try await store.screenedPDQs(after: after, limit: 65_536)
        guard let last = page.last else { break }
        read += page.count
        after = last.id
    }
    let readSeconds = seconds(readStart.duration(to: .now))

    let banks = BankService(store: SQLBankStore(database: database), index: MatchIndex())
    try await banks.loadIndex()
    let bankName = "RETRO_\(Int(Date().timeIntervalSince1970))"
    let bank = try await banks.createBank(NewBank(name: bankName))
    var generator = BenchmarkHashGenerator(state: UInt64(Date().timeIntervalSince1970))
    let hashes = (0..<count).map { _ in generator.hash() }
    let planted = Array(hashes.prefix(100))
    try await store.record(planted.enumerated().map { i, hash in
        ScreenedSignal(at: Date(), lookupID: "planted-\(i)", api: "native", caller: "key:1", accountReference: "planted-\(i)", runID: nil,
                       pdq: generator.near(hash, 8), pdqQuality: 90, md5: nil, sha256: nil)
    })
    for start in stride(from: 0, to: hashes.count, by: 5000) {
        _ = try await banks.addEntries(hashes[start..<min(start + 5000, hashes.count)].map {
            NewEntry(signals: EntrySignals(pdq: $0, pdqQuality: 90), addedBy: "bench")
        }, to: bank)
    }
    let matcher = RetroactiveMatcher(store: store, banks: banks, clock: { Date().addingTimeInterval(60) })
    readStart = clock.now
    let checked = try await matcher.checkNew()
    let checkSeconds = seconds(readStart.duration(to: .now))
    let found = Set(checked.hits.compactMap(\.screened.accountReference).filter { $0.hasPrefix("planted-") })
    print(String(format: "check: %d screened, %d new entries: read floor %.1f s (%.0f ns a signal), whole check %.1f s (%.0f ns a signal), %d hits, %d of 100 planted found, %.0f MB resident",
                 kept, checked.entries, readSeconds, readSeconds * 1e9 / Double(max(1, read)), checkSeconds, checkSeconds * 1e9 / Double(max(1, kept)),
                 checked.hits.count, found.count, residentMB()))
    if found.count != 100 { print("MISSED planted copies"); exit(1) }

default:
    print("usage: RetroBench fill DB N | RetroBench check DB B")
    exit(2)
}
await database.close()
