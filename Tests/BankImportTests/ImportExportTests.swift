import ImageSignals
import BankImport
@testable import Banks
import ContentHashing
import ImageCodecs
import Foundation
import PDQ
import Storage
import Testing
import VigilTestSupport

@Suite(.serialized) struct ImportExportTests {
    static let hashing = ImageHashingPool(threads: 2)

    static func importFile(_ service: BankService, _ bank: Bank, _ url: URL, format: ImportFormat? = nil) async throws -> BankService.ImportSummary {
        var reader = try ImportReaders.open(url, format: format, hashing: hashing, addedBy: "test")
        return try await service.importEntries(into: bank, from: &reader, batchSize: 3)
    }

    @Test(arguments: Backend.allCases)
    func csvImportRejectsMalformedRowsByLineAndKeepsTheRest(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let (service, database) = try await db.service()
        defer { Task { await database.close() } }
        let bank = try await service.createBank(NewBank(name: "csv"))
        var generator = HashGenerator(seed: 10)
        let (a, b, c) = (generator.randomHash(), generator.randomHash(), generator.randomHash())
        let dir = try TemporaryDirectory()
        let csv = try dir.file("list.csv", Array("""
            pdq,quality,md5,note,ncmec_id
            \(a.hex),90,,"first, with a comma",n1
            \(b.hex),abc,,bad quality,n2
            nothex,,,,n3
            ,,\(String(repeating: "b", count: 32)),md5 only,n4
            \(c.hex),80
            \(a.hex),90,,duplicate of line 2,n6
            ,,,,n7

            """.utf8))
        let summary = try await Self.importFile(service, bank, csv)
        #expect(summary.added == 2 && summary.duplicates == 1)
        #expect(summary.rejected.map(\.line) == [3, 4, 6, 8])
        #expect(summary.rejected[0].reason.contains("quality"))
        #expect(summary.rejected[1].reason.contains("pdq"))
        #expect(summary.rejected[2].reason.contains("2 fields"))
        #expect(summary.rejected[3].reason.contains("no signal"))
        let entries = try await service.store.entries(bankID: bank.id, afterID: 0, limit: 10)
        #expect(entries.map(\.metadata.note) == ["first, with a comma", "md5 only"])
        #expect(entries[0].metadata.extra == ["ncmec_id": "n1"] && entries[0].signals.pdqQuality == 90)
        #expect(service.match(MatchQuery(pdq: [b])).matches.isEmpty)
    }

    @Test(arguments: Backend.allCases)
    func csvWithoutSignalColumnsIsRefusedWhole(backend: Backend) async throws {
        let dir = try TemporaryDirectory()
        let csv = try dir.file("x.csv", Array("name,note\nfoo,bar\n".utf8))
        #expect(throws: ImportError.self) { _ = try ImportReaders.open(csv, format: .csv, hashing: Self.hashing, addedBy: "t") }
        #expect(try ImportFormatDetection.detect(csv) == .list)
    }

    @Test(arguments: Backend.allCases)
    func plainListsTellTypeByLength(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let (service, database) = try await db.service()
        defer { Task { await database.close() } }
        let bank = try await service.createBank(NewBank(name: "list"))
        var generator = HashGenerator(seed: 11)
        let pdq = generator.randomHash()
        let dir = try TemporaryDirectory()
        let list = try dir.file("hashes.txt", Array("# a comment\n\(pdq.hex)\n\(String(repeating: "c", count: 32))\nabc\n\(String(repeating: "z", count: 64))\n".utf8))
        #expect(try ImportFormatDetection.detect(list) == .list)
        let summary = try await Self.importFile(service, bank, list)
        #expect(summary.added == 2 && summary.rejected.map(\.line) == [4, 5])
        #expect(service.match(MatchQuery(pdq: [pdq])).isMatch)
        #expect(service.match(MatchQuery(md5: String(repeating: "c", count: 32))).isMatch)
    }

    @Test(arguments: Backend.allCases)
    func ncmecEntriesReplaceAndDeletionsRemove(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let (service, database) = try await db.service()
        defer { Task { await database.close() } }
        let bank = try await service.createBank(NewBank(name: "ncmec"))
        var generator = HashGenerator(seed: 12)
        let (p1, p2, p3) = (generator.randomHash(), generator.randomHash(), generator.randomHash())
        func image(_ id: String, _ pdq: String, md5: String = "") -> String {
            """
            <image><member id="42">Example Member</member><timestamp>2017-10-24T15:00:00Z</timestamp>
              <id>\(id)</id><classification>A1</classification>
              <fingerprints>\(md5.isEmpty ? "" : "<md5>\(md5)</md5>")<sha1>\(String(repeating: "a", count: 40))</sha1><pdq>\(pdq)</pdq></fingerprints></image>
            """
        }
        let dir = try TemporaryDirectory()
        let first = try dir.file("first.xml", Array("""
            <?xml version="1.0" encoding="UTF-8"?>
            <queryResult xmlns="https://hashsharing.ncmec.org/hashsharing/v2"><images count="3" maxTimestamp="2017-10-24T15:10:00Z">
            \(image("image1", p1.hex, md5: String(repeating: "d", count: 32)))
            \(image("image2", p2.hex))
            \(image("image3", "tooshort"))
            </images><videos count="1"><video><member id="42">M</member><id>v1</id><fingerprints><md5>\(String(repeating: "e", count: 32))</md5></fingerprints></video></videos></queryResult>
            """.utf8))
        #expect(try ImportFormatDetection.detect(first) == .ncmecXML)
        let summary = try await Self.importFile(service, bank, first)
        #expect(summary.added == 2 && summary.rejected.map(\.line) == [3])
        // Within a batch entries are written in hash order, so they are looked up by external id.
        let stored = try await service.store.entries(bankID: bank.id, afterID: 0, limit: 10)
        #expect(Set(stored.compactMap(\.metadata.externalID)) == ["ncmec:42:image1", "ncmec:42:image2"])
        let image1 = try #require(stored.first { $0.metadata.externalID == "ncmec:42:image1" })
        #expect(image1.metadata.extra["classification"] == "A1" && image1.metadata.source == "ncmec")

        // A later file: image2 is replaced by a new hash, image1 is withdrawn.
        let second = try dir.file("second.xml", Array("""
            <queryResult xmlns="https://hashsharing.ncmec.org/hashsharing/v2"><images count="2">
            \(image("image2", p3.hex))
            <deletedImage><member id="42">Example Member</member><id>image1</id><timestamp>2017-10-25T00:00:00Z</timestamp></deletedImage>
            </images></queryResult>
            """.utf8))
        let update = try await Self.importFile(service, bank, second)
        #expect(update.added == 1 && update.replaced == 1 && update.removed == 1)
        #expect(!service.match(MatchQuery(pdq: [p1])).isMatch)
        #expect(!service.match(MatchQuery(pdq: [p2])).isMatch)
        #expect(service.match(MatchQuery(pdq: [p3])).isMatch)
        #expect(try await service.store.entryCount(bankID: bank.id) == 1)
    }

    @Test(arguments: Backend.allCases)
    func malformedXMLStopsWithAClearError(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let (service, database) = try await db.service()
        defer { Task { await database.close() } }
        let bank = try await service.createBank(NewBank(name: "x"))
        let dir = try TemporaryDirectory()
        let broken = try dir.file("broken.xml", Array("<?xml version=\"1.0\"?><queryResult><images><image><id>1</id>".utf8))
        await #expect(throws: ImportError.self) { _ = try await Self.importFile(service, bank, broken, format: .ncmecXML) }
        // A document with a DTD (whose entities libxml2 would expand) is refused, in words.
        let laughs = try dir.file("laughs.xml", Array("""
            <?xml version="1.0"?><!DOCTYPE queryResult [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>
            <queryResult><images><image><id>&b;</id></image></images></queryResult>
            """.utf8))
        await #expect { _ = try await Self.importFile(service, bank, laughs, format: .ncmecXML) } throws: { error in
            "\(error)".contains("DTD")
        }
        #expect(try await service.store.entryCount(bankID: bank.id) == 0)
    }

    @Test(arguments: Backend.allCases)
    func imageFoldersAreHashedAndMatch(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let (service, database) = try await db.service()
        defer { Task { await database.close() } }
        let bank = try await service.createBank(NewBank(name: "images"))
        let dir = try TemporaryDirectory()
        let bridge = ReferenceData.url("reg-test-input/dih/bridge-1-original.jpg")
        try FileManager.default.createDirectory(at: dir.url.appendingPathComponent("a"), withIntermediateDirectories: true)
        try Data(contentsOf: bridge).write(to: dir.url.appendingPathComponent("a/bridge.jpg"))
        try Data(contentsOf: ReferenceData.url("misc-images/wee.jpg")).write(to: dir.url.appendingPathComponent("wee.jpg"))
        try Data("not an image".utf8).write(to: dir.url.appendingPathComponent("notes.txt"))
        #expect(try ImportFormatDetection.detect(dir.url) == .images)
        let summary = try await Self.importFile(service, bank, dir.url)
        #expect(summary.added == 2 && summary.rejected.count == 1 && summary.rejected[0].reason.contains("notes.txt"))
        let signals = try ContentHasher().signals(of: [UInt8](Data(contentsOf: bridge)))
        let result = service.match(MatchQuery(pdq: [signals.pdq], pdqQuality: signals.quality))
        #expect(result.matches.map(\.distance) == [0])
    }

    /// Issue 29: an image under 5 pixels a side has no PDQ hash: its entry holds none (as over
    /// HTTP), never the all-zero hash, which would stand for every tiny image.
    @Test(arguments: Backend.allCases)
    func aTinyImageIsStoredWithoutAPDQHash(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let (service, database) = try await db.service()
        defer { Task { await database.close() } }
        let bank = try await service.createBank(NewBank(name: "TINY"))
        let dir = try TemporaryDirectory()
        let tiny = try dir.file("tiny.jpg", try JPEGEncoder.encode(rgb: [UInt8](repeating: 200, count: 4 * 4 * 3), width: 4, height: 4, quality: 90))
        let summary = try await Self.importFile(service, bank, tiny, format: .images)
        #expect(summary.added == 1)
        let entry = try #require(try await service.entries(of: bank, after: 0, limit: 10).first)
        #expect(entry.signals.pdq == nil && entry.signals.md5 != nil && entry.signals.sha256 != nil)
    }

    /// Images of an import are hashed on the hashing pool, behind requests: when every thread is
    /// busy and the request queue is full, a lookup is turned away but the import waits its turn.
    @Test func imageImportsWaitForTheHashingPoolWhereRequestsAreTurnedAway() async throws {
        let pool = ImageHashingPool(threads: 1, queueLimit: 0)
        defer { pool.shutdown() }
        let held = await HeldPoolThread(pool)
        await #expect(throws: HashingPoolError.busy(retryAfterSeconds: 1)) { try await pool.run { _ in 0 } }
        let dir = try TemporaryDirectory()
        let image = try dir.file("bridge.jpg", [UInt8](Data(contentsOf: ReferenceData.url("reg-test-input/dih/bridge-1-original.jpg"))))
        let read = Task {
            var reader = try ImportReaders.open(image, format: .images, hashing: pool, addedBy: "test")
            return try await reader.next()
        }
        while pool.queued < 1 { await Task.yield() }
        try await held.release()
        let item = try await read.value
        guard case let .entry(_, entry)? = item else {
            Issue.record("expected an entry, got \(String(describing: item))")
            return
        }
        #expect(entry.signals.pdq != nil && entry.metadata.note == "bridge.jpg")
    }

    @Test(arguments: Backend.allCases)
    func csvExportImportIsARoundTrip(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let (service, database) = try await db.service()
        defer { Task { await database.close() } }
        let source = try await service.createBank(NewBank(name: "source"))
        var generator = HashGenerator(seed: 13)
        var entries: [NewEntry] = []
        for i in 0..<50 {
            let signals = EntrySignals(pdq: i % 5 == 4 ? nil : generator.randomHash(), pdqQuality: i % 5 == 4 ? nil : 50 + i % 50,
                                       md5: i % 2 == 0 ? String(format: "%032x", i) : nil,
                                       sha256: i % 5 == 4 ? String(format: "%064x", i) : nil)
            let note: String? = Self.awkwardNotes[i % Self.awkwardNotes.count]
            let extra: [String: String] = i % 4 == 0 ? ["classification": "A\(i % 2 + 1)"] : [:]
            let metadata = EntryMetadata(externalID: "ext-\(i)", source: "src", note: note, extra: extra)
            let until: Date? = i % 7 == 0 ? Date(timeIntervalSince1970: 1_900_000_000 + Double(i)) : nil
            entries.append(NewEntry(signals: signals, metadata: metadata, disabledUntil: until, addedBy: "t"))
        }
        try await service.addEntries(entries, to: source)
        let dir = try TemporaryDirectory()
        for format in BankExporter.Format.allCases {
            var text = ""
            try await BankExporter.export(source, from: service, format: format, pageSize: 7) { text += $0 }
            let file = try dir.file("export.\(format.rawValue)", Array(text.utf8))
            let copy = try await service.createBank(NewBank(name: "copy-\(format.rawValue)"))
            let summary = try await Self.importFile(service, copy, file)
            #expect(summary.rejectedCount == 0, "\(summary.rejected.prefix(3))")
            // An import writes each batch in hash order, so both sides are compared in one order.
            let byHash = { (list: [BankEntry]) in list.sorted { "\($0.signals)" < "\($1.signals)" } }
            let original = byHash(try await service.store.entries(bankID: source.id, afterID: 0, limit: 100))
            let copied = byHash(try await service.store.entries(bankID: copy.id, afterID: 0, limit: 100))
            switch format {
            case .csv:
                #expect(copied.map(\.signals) == original.map(\.signals))
                #expect(copied.map(\.metadata) == original.map(\.metadata))
                #expect(copied.map(\.disabledUntil) == original.map(\.disabledUntil))
            case .list:
                // Every PDQ and every MD5 (entries holding both give a line each).
                let signals = { (list: [BankEntry]) in Set(list.flatMap { [$0.signals.pdq?.hex, $0.signals.md5].compactMap { $0 } }) }
                #expect(signals(copied) == signals(original))
            }
        }
    }

    /// Notes a CSV must carry unchanged: commas, quotes, line breaks, leading and trailing spaces.
    static let awkwardNotes: [String?] = [
        nil, "note, \"quoted\"", "two\nlines", "  leading spaces", "trailing  ", "\"starts with a quote", "a\r\nwindows line", "",
        " ,\", mixed \n",
        // What a spreadsheet would run: guarded on the way out, given back unchanged on the way in.
        "=HYPERLINK(\"http://evil.example\",\"x\")", "+1", "-2+3", "@SUM(1)", "\tcmd", "'=already quoted", "''+two quotes", " =behind a space", "\u{FF1D}full width",
    ]

    /// Issue 28: an export opened in a spreadsheet runs no formula an uploader or a list wrote;
    /// `raw` writes the text as it is, for programs.
    @Test func anExportOpenedInASpreadsheetRunsNoFormula() async throws {
        let db = try TestDatabase.make(.sqlite)
        let (service, database) = try await db.service()
        defer { Task { await database.close() } }
        let bank = try await service.createBank(NewBank(name: "notes"))
        var generator = HashGenerator(seed: 5)
        let notes = ["=HYPERLINK(\"http://evil.example\")", "+cmd", "-1+2", "@A1", "\t=1", "plain"]
        try await service.addEntries(notes.map { NewEntry(signals: EntrySignals(pdq: generator.randomHash(), pdqQuality: 90),
                                                          metadata: EntryMetadata(note: $0, extra: ["=col": "@x"]), addedBy: "t") }, to: bank)
        var guarded = "", raw = ""
        try await BankExporter.export(bank, from: service, format: .csv) { guarded += $0 }
        try await BankExporter.export(bank, from: service, format: .csv, raw: true) { raw += $0 }
        let starts: Set<Character> = ["=", "+", "-", "@", "\t", "\r"]
        func cells(_ text: String) -> [String] {
            text.split(separator: "\n").flatMap { $0.split(separator: ",", omittingEmptySubsequences: false) }
                .map { String($0).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        }
        #expect(!cells(guarded).contains { $0.first.map(starts.contains) == true }, "\(guarded)")
        #expect(guarded.contains("'=HYPERLINK") && guarded.contains("'=col"))
        #expect(raw.contains("\"=HYPERLINK") || raw.contains(",=HYPERLINK"), "\(raw)")
    }

    /// Re-importing a list (a routine re-sync) changes nothing a curator did: the same row keeps
    /// its entry, id, snooze and note; changed metadata updates the entry in place; changed
    /// signals replace it.
    /// A file that lists one external id twice (an update further down) stores the later record,
    /// whichever hash sorts first within the batch.
    @Test(arguments: Backend.allCases)
    func theLaterRecordOfAnExternalIDInOneFileWins(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let (service, database) = try await db.service()
        defer { Task { await database.close() } }
        let bank = try await service.createBank(NewBank(name: "updates"))
        var generator = HashGenerator(seed: 31)
        var pair = (generator.randomHash(), generator.randomHash())
        // The earlier record's hash sorts after the later one's, so hash order alone would pick it.
        if pair.0 < pair.1 { pair = (pair.1, pair.0) }
        let dir = try TemporaryDirectory()
        let file = try dir.file("updates.csv", Array("pdq,external_id,source\n\(pair.0.hex),x,first\n\(pair.1.hex),x,second\n".utf8))
        let summary = try await Self.importFile(service, bank, file)
        #expect(summary.added == 1 && summary.duplicates == 1 && summary.rowsRead == 2, "\(summary)")
        let stored = try await service.store.entries(bankID: bank.id, afterID: 0, limit: 10)
        #expect(stored.map(\.signals.pdq) == [pair.1] && stored.map(\.metadata.source) == ["second"])
        #expect(!service.match(MatchQuery(pdq: [pair.0], threshold: 0)).isMatch)
    }

    @Test(arguments: Backend.allCases)
    func reimportingTheSameListKeepsEntriesSnoozesAndNotes(backend: Backend) async throws {
        let db = try TestDatabase.make(backend)
        let (service, database) = try await db.service()
        defer { Task { await database.close() } }
        let bank = try await service.createBank(NewBank(name: "resync"))
        var generator = HashGenerator(seed: 12)
        let (a, b, c) = (generator.randomHash(), generator.randomHash(), generator.randomHash())
        let dir = try TemporaryDirectory()
        let first = try dir.file("v1.csv", Array("pdq,external_id,source,note\n\(a.hex),x1,list,from list\n\(b.hex),x2,list,\n".utf8))
        let initial = try await Self.importFile(service, bank, first)
        #expect(initial.added == 2)
        let entries = try await service.store.entries(bankID: bank.id, afterID: 0, limit: 10)
        let idA = try #require(entries.first { $0.metadata.externalID == "x1" }?.id)
        let idB = try #require(entries.first { $0.metadata.externalID == "x2" }?.id)
        let until = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 + 3600).rounded())
        _ = try await service.snooze(entryID: idA, until: until)
        _ = try await service.setNote(entryID: idA, "curator: false positive, checked")

        let again = try await Self.importFile(service, bank, first)
        #expect(again.added == 0 && again.replaced == 0 && again.updated == 0 && again.duplicates == 2)
        let kept = try await service.entry(id: idA)
        #expect(kept.disabledUntil == until && kept.metadata.note == "curator: false positive, checked")

        // x1's source changes (updated in place), x2's signal changes (replaced).
        let second = try dir.file("v2.csv", Array("pdq,external_id,source,note\n\(a.hex),x1,list-v2,from list\n\(c.hex),x2,list,\n".utf8))
        let resync = try await Self.importFile(service, bank, second)
        #expect(resync.updated == 1 && resync.replaced == 1 && resync.added == 1)
        let updated = try await service.entry(id: idA)
        #expect(updated.metadata.source == "list-v2" && updated.disabledUntil == until && updated.metadata.note == "curator: false positive, checked")
        await #expect(throws: BankError.self) { _ = try await service.entry(id: idB) }
        #expect(service.match(MatchQuery(pdq: [c])).isMatch && !service.match(MatchQuery(pdq: [b])).isMatch)
        #expect(!service.match(MatchQuery(pdq: [a])).isMatch)
    }
}
