import ArgumentParser
import Banks
import ContentHashing
import Foundation
import ImageCodecs
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

    @Option(help: "PDQ distance threshold for every bank (default: each bank's own).")
    var threshold: Int?

    @Option(name: .customLong("bank"), help: "Match only these banks; repeatable.")
    var banks: [String] = []

    @Option(help: "text or json (JSON Lines).")
    var format: OutputFormat = .text

    @OptionGroup var limits: DecodeLimitOptions

    @Argument(help: "Image files; - reads standard input.")
    var files: [String]

    func validate() throws {
        if let threshold, !(0...256).contains(threshold) { throw ValidationError("--threshold must be between 0 and 256") }
    }

    func run() async throws {
        var status: Int32 = 0
        try await storage.run(loadIndex: true) { service in
            let hasher = ContentHasher(limits: limits.decodeLimits)
            for path in files {
                let outcome = matchOne(path, service: service, hasher: hasher)
                outcome.print(format: format)
                switch outcome.result {
                case .failure: status = 2
                case let .success((_, result)) where result.isMatch: status = max(status, 1)
                case .success: break
                }
            }
        }
        if status != 0 { throw ExitCode(status) }
    }

    private func matchOne(_ path: String, service: BankService, hasher: ContentHasher) -> MatchOutcome {
        let result = Result { () throws(HashFailure) -> (ContentSignals, MatchResult) in
            let bytes = try HashFailure.wrap { () throws(InputFiles.Failure) in try InputFiles.read(path, limit: limits.decodeLimits.maxEncodedBytes) }
            let signals = try HashFailure.wrap { () throws(ImageDecodingError) in try hasher.signals(of: bytes, dihedral: enhanced) }
            let query = MatchQuery(
                pdq: signals.dihedral ?? [signals.pdq], pdqQuality: signals.quality, md5: signals.md5, sha256: signals.sha256,
                threshold: threshold, banks: banks.isEmpty ? nil : Set(banks))
            return (signals, service.match(query))
        }
        return MatchOutcome(path: path, result: result)
    }
}

struct MatchOutcome {
    let path: String
    let result: Result<(ContentSignals, MatchResult), HashFailure>

    func print(format: OutputFormat) {
        switch (result, format) {
        case let (.success((signals, match)), .json):
            Standard.output(JSONValue.object([
                ("path", .string(path)), ("pdq", .string(signals.pdq.hex)), ("quality", .int(signals.quality)),
                ("is_match", .bool(match.isMatch)),
                ("matches", .array(match.matches.map(Self.json))),
                ("suppressed", .array(match.suppressed.map(Self.json))),
                ("allowed_by", .array(match.allowedBy.map(Self.json))),
                ("pdq_below_quality_gate", .bool(match.pdqBelowQualityGate)),
            ]).rendered)
        case let (.success((_, match)), .text):
            if match.pdqBelowQualityGate { Standard.error("vigil: \(path): PDQ quality is under the gate; matched on MD5 and SHA-256 only") }
            if match.matches.isEmpty && match.suppressed.isEmpty { Standard.output("\(path): no match") }
            for hit in match.matches { Standard.output("\(path): MATCH \(Self.text(hit))") }
            for hit in match.suppressed { Standard.output("\(path): suppressed \(Self.text(hit)) (allow bank \(match.allowedBy.first?.bank.name ?? "?"))") }
        case let (.failure(failure), .json):
            Standard.output(JSONValue.object([("path", .string(path)), ("error", .string(failure.description))]).rendered)
        case let (.failure(failure), .text):
            Standard.error("vigil: \(path): \(failure)")
        }
    }

    static func json(_ hit: MatchHit) -> JSONValue {
        .object([
            ("bank", .string(hit.bank.name)), ("entry_id", .int(Int(hit.entryID))), ("signal", .string(hit.signal.rawValue)),
            ("distance", .int(hit.distance)), ("variant", hit.variant.map { .string($0.description) } ?? .null),
        ])
    }

    static func text(_ hit: MatchHit) -> String {
        "bank=\(hit.bank.name) entry=\(hit.entryID) signal=\(hit.signal.rawValue) distance=\(hit.distance)"
            + (hit.variant.map { " variant=\($0)" } ?? "")
    }
}
