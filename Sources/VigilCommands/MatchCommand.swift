import ArgumentParser
import BankImport
import Banks
import ContentHashing
import Foundation
import ImageCodecs
import Lookup
import PDQ

/// `vigil match`: hash files and match them against every enabled bank.
struct MatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "match",
        abstract: "Hash images and match them against every enabled bank.",
        discussion: """
            Exit status: 0 no file matched, 1 at least one file matched, 2 an error (a file that could not \
            be read or decoded, or storage). A hit in an enabled allow bank suppresses the match-bank hits of \
            the same file; they are reported under "suppressed". PDQ hashes under the quality gate (50) are \
            not matched; MD5 and SHA-256 still are.
            """)

    @OptionGroup var storage: StorageOptions

    @Flag(help: "Match all 8 dihedral hashes (rotations and flips), not just the original.")
    var enhanced = false

    // Unconditional parsing: "--threshold -1" is a value (refused by validate()), not a missing one.
    @Option(parsing: .unconditional, help: "PDQ distance threshold for every bank, 0-256 (default: each bank's own).")
    var threshold: Int?

    @Option(name: .customLong("bank"), help: "Match only these banks; repeatable.")
    var banks: [String] = []

    @Option(help: "text or json (JSON Lines).")
    var format: OutputFormat = .text

    @OptionGroup var limits: DecodeLimitOptions

    @Argument(help: "Image files or folders (every file under a folder, sorted); - reads standard input.")
    var files: [String]

    func validate() throws {
        if let threshold, !(0...256).contains(threshold) { throw ValidationError("--threshold must be between 0 and 256") }
    }

    func run() async throws {
        var status: Int32 = 0
        try await storage.run(loadIndex: true, readOnly: true) { service in
            // The same lookup path as the server's APIs: one file at a time, so the queue stays short.
            let decodeLimits = try await limits.decodeLimits(configFile: storage.config)
            let hashing = ImageHashingPool(queueLimit: 1, limits: decodeLimits)
            defer { hashing.shutdown() }
            let lookup = LookupService(banks: service, hashing: hashing)
            lookup.markReady()
            // A misspelt --bank would otherwise answer "no match" for every file.
            if let unknown = banks.first(where: { !service.index.bankNames.contains($0) }) { throw LookupError.unknownBank(unknown) }
            for path in ImageFiles.expand(files) {
                let outcome = await matchOne(path, lookup: lookup, maxBytes: decodeLimits.maxEncodedBytes)
                outcome.print(format: format)
                switch outcome.result {
                case .failure: status = 2
                case let .success(result) where result.isMatch: status = max(status, 1)
                case .success: break
                }
            }
        }
        if status != 0 { throw ExitCode(status) }
    }

    private func matchOne(_ path: String, lookup: LookupService, maxBytes: Int) async -> MatchOutcome {
        let request: LookupRequest
        do {
            let bytes = try InputFiles.read(path, limit: maxBytes)
            request = LookupRequest(input: .image(bytes), api: .cli, enhanced: enhanced, banks: banks.isEmpty ? nil : banks,
                                    threshold: threshold, includeEntries: false)
        } catch {
            return MatchOutcome(path: path, result: .failure(.input(error)))
        }
        do {
            return MatchOutcome(path: path, result: .success(try await lookup.lookup(request)))
        } catch let error as ImageDecodingError {
            return MatchOutcome(path: path, result: .failure(.decoding(error)))
        } catch {
            return MatchOutcome(path: path, result: .failure(.other(String(describing: error))))
        }
    }
}

struct MatchOutcome {
    let path: String
    let result: Result<LookupOutcome, HashFailure>

    func print(format: OutputFormat) {
        switch (result, format) {
        case let (.success(match), .json):
            Standard.output(JSONValue.object([
                ("path", .string(path)), ("pdq", .string(match.pdq?.hex ?? "")), ("quality", .int(match.signals?.quality ?? 0)),
                ("is_match", .bool(match.isMatch)),
                ("matches", .array(match.matches.map(Self.json))),
                ("suppressed", .array(match.suppressed.map { suppressed in
                    var object = Self.json(suppressed.match)
                    if case var .object(fields) = object { fields.append(("suppressed_by", Self.json(suppressed.by))); object = .object(fields) }
                    return object
                })),
                ("allowed_by", .array(match.allowedBy.map(Self.json))),
                ("pdq_below_quality_gate", .bool(match.pdqBelowQualityGate)),
            ]).rendered)
        case let (.success(match), .text):
            if match.pdqBelowQualityGate { Standard.error("vigil: \(path): PDQ quality is under the gate; matched on MD5 and SHA-256 only") }
            if match.matches.isEmpty && match.suppressed.isEmpty { Standard.output("\(path): no match") }
            for hit in match.matches { Standard.output("\(path): MATCH \(Self.text(hit))") }
            for hit in match.suppressed {
                Standard.output("\(path): suppressed \(Self.text(hit.match)) (by allow bank \(hit.by.bank.name) entry \(hit.by.entryID))")
            }
        case let (.failure(failure), .json):
            Standard.output(JSONValue.object([("path", .string(path)), ("error", .string(failure.description))]).rendered)
        case let (.failure(failure), .text):
            Standard.error("vigil: \(path): \(failure)")
        }
    }

    static func json(_ hit: LookupMatch) -> JSONValue {
        .object([
            ("bank", .string(hit.bank.name)), ("entry_id", .int(Int(hit.entryID))), ("signal", .string(hit.signals.first?.rawValue ?? "pdq")),
            ("signals", .array(hit.signals.map { .string($0.rawValue) })),
            ("distance", .int(hit.distance)), ("variant", hit.variant.map { .string($0.description) } ?? .null),
        ])
    }

    static func text(_ hit: LookupMatch) -> String {
        "bank=\(hit.bank.name) entry=\(hit.entryID) signals=\(hit.signals.map(\.rawValue).joined(separator: "+")) distance=\(hit.distance)"
            + (hit.variant.map { " variant=\($0)" } ?? "")
    }
}
