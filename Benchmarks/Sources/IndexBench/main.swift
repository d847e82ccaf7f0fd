import BankImport
import BenchmarkInputs
import Banks
import ContentHashing
import Foundation
import HammingIndex
import PDQ
import Storage

// The 10M-hash index benchmark (issue: banks and index). Usage:
//   IndexBench generate N DIR        write N clustered hashes and 2 000 queries to DIR (binary, for faiss too)
//   IndexBench query DIR             build the index, time 1- and 8-needle queries at d ≤ 31, check recall
//   IndexBench storage DIR URL       import DIR/hashes.csv through the bank code path, reload, add-to-match latency
// Benchmarks/index.sh runs them all, and faiss on the same files.

let clock = ContinuousClock()
/// CSV imports hash no images: the pool the readers take is never used.
let csvOnly = ImageHashingPool(threads: 1, queueLimit: 0)
func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

func residentMB() -> Double {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
    return (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
}

/// Hashes as 32 big-endian bytes each, the layout faiss's binary indexes take.
func write(_ hashes: [PDQHash], to url: URL) throws {
    var data = Data(capacity: hashes.count * 32)
    for h in hashes {
        for w in [h.w3, h.w2, h.w1, h.w0] { for s in stride(from: 56, through: 0, by: -8) { data.append(UInt8(truncatingIfNeeded: w >> UInt64(s))) } }
    }
    try data.write(to: url)
}

func read(_ url: URL) throws -> [PDQHash] {
    let bytes = [UInt8](try Data(contentsOf: url))
    return stride(from: 0, to: bytes.count, by: 32).map { o in
        var w: [UInt64] = [0, 0, 0, 0]
        for i in 0..<32 { w[3 - i / 8] = w[3 - i / 8] << 8 | UInt64(bytes[o + i]) }
        return PDQHash(w0: w[0], w1: w[1], w2: w[2], w3: w[3])
    }
}

let args = CommandLine.arguments
switch args.count > 2 ? args[1] : "" {
case "generate":
    let n = Int(args[2])!, dir = URL(fileURLWithPath: args[3])
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let (hashes, queries) = BenchmarkHashGenerator.indexData(count: n)
    try write(hashes, to: dir.appendingPathComponent("hashes.bin"))
    try write(queries, to: dir.appendingPathComponent("queries.bin"))
    // The same hashes as an import CSV.
    let csv = FileManager.default.createFile(atPath: dir.appendingPathComponent("hashes.csv").path, contents: nil)
    precondition(csv)
    let handle = try FileHandle(forWritingTo: dir.appendingPathComponent("hashes.csv"))
    var chunk = "pdq,pdq_quality\n"
    for h in hashes {
        chunk += h.hex + ",100\n"
        if chunk.utf8.count > 1 << 20 { handle.write(Data(chunk.utf8)); chunk = "" }
    }
    handle.write(Data(chunk.utf8))
    try handle.close()
    print("generated \(n) hashes and 2000 queries in \(dir.path)")

case "query":
    let dir = URL(fileURLWithPath: args[2])
    var hashes = try read(dir.appendingPathComponent("hashes.bin"))
    let queries = try read(dir.appendingPathComponent("queries.bin"))
    let n = hashes.count
    let before = residentMB()
    let index = PDQIndex()
    let start = clock.now
    index.load(hashes, payloads: (0..<UInt64(n)).map { $0 })
    let build = clock.now - start
    let snapshot = index.snapshot
    // Keep a copy for brute force, then measure the index alone.
    let bruteForceSample = Array(queries.enumerated().filter { $0.offset % 8 == 0 }.map(\.element).prefix(100))
    var expected: [Set<UInt64>] = []
    for q in bruteForceSample {
        var s = Set<UInt64>()
        for (i, h) in hashes.enumerated() where h.distance(to: q) <= 31 { s.insert(UInt64(i)) }
        expected.append(s)
    }
    hashes = []
    let after = residentMB()
    print(String(format: "index of %d hashes: built in %.2f s, %.0f MB of structures, resident +%.0f MB (%.0f MB total)",
                 n, seconds(build), Double(snapshot.byteCount) / 1e6, after - before, after))

    var recallOK = true
    for (q, want) in zip(bruteForceSample, expected) where Set(snapshot.search([q], radius: 31).map(\.payload)) != want { recallOK = false }
    print("recall against brute force on 100 queries: \(recallOK ? "100%" : "MISMATCH")")

    let single = stride(from: 0, to: queries.count, by: 8).map { queries[$0] }
    var found = 0
    var t = clock.now
    for q in single { found += snapshot.search([q], radius: 31).count }
    let oneNeedle = seconds(clock.now - t) / Double(single.count)
    t = clock.now
    var found8 = 0
    for i in stride(from: 0, to: queries.count, by: 8) { found8 += snapshot.search(Array(queries[i..<(i + 8)]), radius: 31).count }
    let eightNeedle = seconds(clock.now - t) / Double(single.count)
    print(String(format: "1 needle,  d<=31: %.3f ms/query, %.0f queries/s (%d hits over %d queries)", oneNeedle * 1000, 1 / oneNeedle, found, single.count))
    print(String(format: "8 needles, d<=31: %.3f ms/query, %.0f queries/s (%d hits); 8-needle/1-needle cost = %.2fx", eightNeedle * 1000, 1 / eightNeedle, found8, eightNeedle / oneNeedle))

    // Incremental: a new hash is searchable as soon as insert returns.
    var g = BenchmarkHashGenerator(state: 7)
    let fresh = g.hash()
    t = clock.now
    index.insert([fresh], payloads: [UInt64(n)])
    let visible = index.snapshot.search([fresh], radius: 0).count == 1
    print(String(format: "insert one hash into %d: searchable after %.3f ms (%@)", n, seconds(clock.now - t) * 1000, visible ? "found" : "NOT FOUND"))

case "storage":
    let dir = URL(fileURLWithPath: args[2])
    let location = try DatabaseLocation(url: args[3])
    // `storage DIR URL reuse` measures the load alone, on a database a previous run filled.
    if args.count < 5 || args[4] != "reuse" {
        let database = try await VigilDatabase.open(location)
        // As `vigil bank import` runs: no live index to feed.
        let service = BankService(store: SQLBankStore(database: database), index: MatchIndex(), maintainsIndex: false)
        if (try? await service.bank(named: "bench")) != nil { try await service.deleteBank(named: "bench") }
        let bank = try await service.createBank(NewBank(name: "bench"))
        var reader = try ImportReaders.open(dir.appendingPathComponent("hashes.csv"), format: .csv, hashing: csvOnly, addedBy: "bench")
        let t = clock.now
        let summary = try await service.importEntries(into: bank, from: &reader, batchSize: 5000)
        print(String(format: "%@: imported %d hashes from CSV in %.1f s (%d duplicates, %d rejected)",
                     location.description, summary.added, seconds(clock.now - t), summary.duplicates, summary.rejectedCount))
        await database.close()
    }
    let database = try await VigilDatabase.open(location)
    let service = BankService(store: SQLBankStore(database: database), index: MatchIndex())
    var t = clock.now
    try await service.loadIndex()
    print(String(format: "%@: loaded %d PDQ hashes into the index in %.1f s (resident %.0f MB)",
                 location.description, service.index.counts.pdq, seconds(clock.now - t), residentMB()))
    var g = BenchmarkHashGenerator(state: 99)
    let fresh = g.hash()
    let bank = try await service.bank(named: "bench")
    t = clock.now
    try await service.addEntries([NewEntry(signals: EntrySignals(pdq: fresh), addedBy: "bench")], to: bank)
    let matched = service.match(MatchQuery(pdq: [fresh])).isMatch
    print(String(format: "%@: a hash added through the bank code path matched after %.1f ms (%@)",
                 location.description, seconds(clock.now - t) * 1000, matched ? "found" : "NOT FOUND"))
    await database.close()

case "parse":
    // The CSV reader alone, to tell parsing from storage in the import time.
    var reader = try ImportReaders.open(URL(fileURLWithPath: args[2]).appendingPathComponent("hashes.csv"), format: .csv, hashing: csvOnly, addedBy: "bench")
    let t = clock.now
    var n = 0
    while let item = try await reader.next() { if case .entry = item { n += 1 } }
    print(String(format: "parsed %d CSV rows in %.1f s", n, seconds(clock.now - t)))

default:
    print("usage: IndexBench generate N DIR | query DIR | storage DIR DATABASE_URL")
}
