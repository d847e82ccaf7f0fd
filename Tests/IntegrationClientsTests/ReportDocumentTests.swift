import Foundation
import NCMECMock
import IntegrationClients
import Reports
import Testing

/// The XML Vigil sends NCMEC, checked with xmllint against the pinned XSD (the tool NCMEC's
/// own documentation validates with), for a minimal and a full report.
@Suite struct ReportDocumentTests {
    static let xsd = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/NCMECMock/Resources/cybertipline-report.xsd")
    static let now = Date(timeIntervalSince1970: 1_764_000_000)

    /// Runs `xmllint --noout --schema` on the document; returns its complaint, nil when valid.
    static func xmllint(_ document: String) throws -> String? {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-report-\(UUID().uuidString).xml")
        try Data(document.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/xmllint")
        process.arguments = ["--noout", "--schema", xsd.path, file.path]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = Pipe()
        try process.run()
        let output = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return process.terminationStatus == 0 ? nil : output
    }

    static let minimal = ReportContent(incidentAt: now.addingTimeInterval(-3600), reporter: Reporter(email: "trust-safety@example.com"))

    static let full = ReportContent(
        incidentType: .childPornography, incidentAt: now.addingTimeInterval(-7200), incidentDescription: "Uploaded to a public album",
        platform: "ExampleApp for iOS", escalateToHighPriority: "A child appears to be in ongoing danger",
        annotations: [.spam, .sextortion], webPageURLs: ["https://example.com/album/42"],
        reporter: Reporter(firstName: "Riley", lastName: "Ng", email: "trust-safety@example.com", phone: "+1 555 0100",
                           contact: ContactPerson(firstName: "Legal", lastName: "Team", email: "legal@example.com"),
                           termsOfServiceURL: "https://example.com/terms", legalURL: "https://example.com/legal"),
        reportedPeople: [ReportedPerson(espIdentifier: "user-12345", espService: "ExampleApp", screenName: "some<user>&co\u{1}",
                                        email: "someone@example.net",
                                        ipCaptureEvents: [IPCaptureEvent(ipAddress: "203.0.113.7", eventName: .Upload, at: now.addingTimeInterval(-7300), port: 443),
                                                          IPCaptureEvent(ipAddress: "2001:db8::1")],
                                        accountDisabled: true)],
        additionalInfo: "Detected by hash match (PDQ) & confirmed by human review.\u{0}\u{FFFE}")

    static let file = ReportFile(evidenceID: 7, mediaSHA256: String(repeating: "ab", count: 32), originalFileName: "IMG_0042.jpg",
                                 md5: "fafa5efeaf3cbe3b23b2748d13e629a1", sha256: String(repeating: "ab", count: 32),
                                 pdq: String(repeating: "f8", count: 32), uploadedAt: now.addingTimeInterval(-7000),
                                 locationOfFile: "https://cdn.example.com/u/42.jpg", viewedByEsp: true, publiclyAvailable: false,
                                 classification: .a1, annotations: [.generativeAi, .potentialMeme], additionalInfo: "Matched bank NCMEC")

    @Test func minimalReportIsValid() throws {
        let xml = ReportDocument.report(Self.minimal, now: Self.now)
        #expect(try Self.xmllint(xml) == nil)
        #expect(xml.contains("<incidentDateTime>2025-11-24T15:00:00Z</incidentDateTime>"))
    }

    @Test func fullReportIsValidWithEverySectionInSchemaOrder() throws {
        let xml = ReportDocument.report(Self.full, now: Self.now)
        #expect(try Self.xmllint(xml) == nil)
        let order = ["<incidentType>", "<platform>", "<escalateToHighPriority>", "<reportAnnotations>", "<incidentDateTime>",
                     "<incidentDateTimeDescription>", "<internetDetails>", "<reporter>", "<contactPerson>", "<termsOfService>", "<legalURL>",
                     "<personOrUserReported>", "<espIdentifier>", "<screenName>", "<ipCaptureEvent>", "<accountPermanentlyDisabled>", "<additionalInfo>"]
        let positions = order.map { xml.range(of: $0)?.lowerBound }
        #expect(positions.allSatisfy { $0 != nil }, "every section is written")
        #expect(positions.compactMap { $0 } == positions.compactMap { $0 }.sorted(), "in the schema's order")
    }

    @Test func textIsEscapedAndForbiddenCharactersDropped() {
        let xml = ReportDocument.report(Self.full, now: Self.now)
        #expect(xml.contains("<screenName>some&lt;user&gt;&amp;co</screenName>"))
        #expect(xml.contains("(PDQ) &amp; confirmed by human review.</additionalInfo>"))
        #expect(!xml.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" } && !xml.contains("\u{FFFE}"))
    }

    @Test func futureTimesAreClampedIntoThePast() throws {
        var content = Self.minimal
        content.incidentAt = Self.now.addingTimeInterval(30)
        let xml = ReportDocument.report(content, now: Self.now)
        #expect(xml.contains("<incidentDateTime>2025-11-24T15:59:59Z</incidentDateTime>"))
    }

    @Test func fileDetailsAreValidMinimalAndFull() throws {
        let full = ReportDocument.fileDetails(Self.file, reportID: 4_564_654, fileID: "b0754af766b426f2928a02c651ed4b99", now: Self.now)
        #expect(try Self.xmllint(full) == nil)
        #expect(full.contains(#"<originalFileHash hashType="MD5">fafa5efeaf3cbe3b23b2748d13e629a1</originalFileHash>"#))
        #expect(full.contains("<fileViewedByEsp>true</fileViewedByEsp>") && full.contains("<industryClassification>A1</industryClassification>"))
        let minimal = ReportDocument.fileDetails(ReportFile(evidenceID: 1, mediaSHA256: "00"), reportID: 1, fileID: "0123456789abcdef0123456789abcdef", now: Self.now)
        #expect(try Self.xmllint(minimal) == nil)
        #expect(minimal.contains("<fileViewedByEsp>false</fileViewedByEsp>"))
    }

    /// The mock validates with libxml2 as xmllint does: it accepts what Vigil writes and refuses
    /// a document out of order, saying why.
    @Test func theMockValidatorAgreesWithXmllint() throws {
        let validator = try SchemaValidator.cyberTipline()
        #expect(try validator.validate(Data(ReportDocument.report(Self.full, now: Self.now).utf8)) == "report")
        let swapped = ReportDocument.report(Self.minimal, now: Self.now)
            .replacingOccurrences(of: "<incidentType>Child Pornography (possession, manufacture, and distribution)</incidentType>", with: "")
            .replacingOccurrences(of: "</incidentDateTime>", with: "</incidentDateTime><incidentType>Child Pornography (possession, manufacture, and distribution)</incidentType>")
        #expect(try Self.xmllint(swapped) != nil)
        #expect(throws: SchemaValidator.ValidationFailure.self) { try validator.validate(Data(swapped.utf8)) }
        let failure = try #require(throws: SchemaValidator.ValidationFailure.self) { try validator.validate(Data("<report>".utf8)) }
        #expect(failure.malformed)
    }
}
