import BankImport
import Banks
import Foundation
import IntegrationClients
import JSONValues
import NIOCore
import Workflows

/// Every parser's fuzz target (issue 32 §4), one body per target: the suite's seeded harness
/// (`Fuzzing` in VigilTestSupport) and the coverage-guided libFuzzer build (`vigil-fuzz`,
/// `make fuzz`) run the same bodies on the same committed seeds (`Tests/Fuzz/<target>/`).
///
/// A body may throw: a refusal is a parser's answer to garbage. What the parser answered must
/// still hold its promises (an answer's status, a `next` link on the list's origin); one that
/// does not stops the process (`FuzzTargets.check`), which is how both harnesses see a finding.
public enum FuzzTargets {
    public typealias Body = @Sendable ([UInt8]) async throws -> Void

    /// The targets by the name of their seed folder.
    public static let all: [String: Body] = [
        "csv": csv, "list": hashList, "ncmec_xml": ncmecXML, "hash_sharing_page": hashSharingPage,
        "vigil_changes": vigilChanges, "cybertipline_answer": cyberTiplineAnswer, "photodna_answer": photoDNAAnswer,
        "workflow_definition": workflowDefinition, "template": template, "condition": condition,
    ]

    /// Stops the process when a parser's answer breaks its promise: a finding for either harness.
    static func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
        if !condition() { fatalError("fuzz finding: \(message())") }
    }

    /// Reads every item a reader gives (at most `limit`, a bound no real page nears).
    static func drain(_ reader: inout some ImportReader, limit: Int = 200_000) async throws {
        var count = 0
        while try await reader.next() != nil, count < limit { count += 1 }
    }

    /// Runs `body` on the input written to a file of its own (the file readers take a path).
    static func withFile(_ bytes: [UInt8], _ name: String, _ body: (URL) async throws -> Void) async throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-fuzz-\(UUID().uuidString)-\(name)")
        try Data(bytes).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        try await body(url)
    }

    // MARK: the list importers

    public static let csv: Body = { bytes in
        try await withFile(bytes, "in.csv") { url in
            var reader = try CSVImportReader(url: url, addedBy: "fuzz")
            try await drain(&reader)
        }
    }

    public static let hashList: Body = { bytes in
        try await withFile(bytes, "in.txt") { url in
            for sixtyFour in [false, true] {
                var reader = try HashListReader(url: url, name: "in.txt", sixtyFourIsSHA256: sixtyFour, addedBy: "fuzz")
                try await drain(&reader)
            }
        }
    }

    public static let ncmecXML: Body = { bytes in
        var reader = try NCMECXMLReader(bytes: bytes, addedBy: "fuzz")
        try await drain(&reader)
    }

    /// A hash-sharing page as the sync imports it, and the `next` link it names: on the list's
    /// own origin, or refused.
    public static let hashSharingPage: Body = { bytes in
        do {
            var reader = try NCMECXMLReader(bytes: bytes, addedBy: "fuzz")
            try await drain(&reader)
        } catch {}  // refused as entries; its `next` link is read all the same
        let base = "https://hashsharing.ncmec.org/npo-hashsharing"
        guard let fields = XMLFields(Data(bytes)), let next = fields["next"] else { return }
        let resolved = try FeedTransport.nextPage(next, base: base)
        check(resolved.hasPrefix(base + "/"), "\(next) resolved off the list's origin: \(resolved)")
    }

    public static let vigilChanges: Body = { bytes in
        var reader = try VigilChangesReader(bytes, addedBy: "fuzz")
        try await drain(&reader)
    }

    // MARK: what the services answer

    public static let cyberTiplineAnswer: Body = { bytes in
        for status in [200, 400, 500] {
            let answer = CyberTiplineClient.answer(status: status, requestID: "r", body: ByteBuffer(bytes: bytes))
            check(answer.httpStatus == status, "the answer's status \(answer.httpStatus) is not the response's \(status)")
            check(answer.body.utf8.count <= 4 * 64 * 1024, "an answer keeps \(answer.body.utf8.count) bytes of body")
        }
    }

    public static let photoDNAAnswer: Body = { bytes in
        for status in [200, 403, 429, 500] {
            _ = PhotoDNAClient.interpret(status: status, retryAfter: "1", body: ByteBuffer(bytes: bytes))
        }
    }

    // MARK: workflows

    /// A run's data that templates and conditions are evaluated against.
    static let runData: JSONValue = [
        "trigger": ["account_reference_id": "u-1", "image_url": "https://example.org/a.jpg", "caller": "moderation"],
        "steps": ["lookup": ["output": ["is_match": true, "matches": [["source": "BANK", "distance": 3, "violations": ["A1"]]]]],
                  "decide": ["output": ["branch": "0"]]],
        "event": ["matches": [["bank": "BANK", "distance": 0, "violations": ["A1"]]]],
    ]

    public static let workflowDefinition: Body = { bytes in
        let definition = try JSONDecoder().decode(WorkflowDefinition.self, from: Data(bytes))
        _ = WorkflowValidator(credentials: ["cred_pdna": "photodna", "cred_hook": "webhook"]).validate(definition)
    }

    /// A template is parsed and, when it parses, rendered on a budget against a run's data.
    public static let template: Body = { bytes in
        let text = String(decoding: bytes, as: UTF8.self)
        _ = try Template.parse(text)
        _ = try Template.render(.string(text), with: runData)
    }

    /// A condition is parsed and, when it parses, evaluated on a budget against a run's data.
    public static let condition: Body = { bytes in
        let expression = try ExpressionParser.parse(String(decoding: bytes, as: UTF8.self))
        var budget = EvaluationBudget()
        _ = try ExpressionEvaluator.evaluate(expression, in: runData, budget: &budget)
    }
}
