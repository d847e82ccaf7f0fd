import ArgumentParser
import Banks
import ContentHashing
import Foundation
import NCMECMock
import VigilServer

/// `vigil mock`: local stand-ins for the services Vigil calls, for demos and trials.
struct MockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mock", abstract: "Run a local stand-in for a service Vigil integrates with.",
        subcommands: [HashSharing.self, CyberTipline.self])

    struct CyberTipline: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ncmec-cybertipline",
            abstract: "Serve a local NCMEC CyberTipline Reporting API until interrupted: it validates what it receives against NCMEC's XSD.",
            discussion: """
                Point an ncmec_cybertipline credential's endpoint at http://127.0.0.1:PORT, with the user \
                name and password printed at start. Unfinished reports expire as at NCMEC (an hour after \
                their last change).
                """)
        @Option(help: "Port on 127.0.0.1.") var port: Int = 8092

        func run() async throws {
            let mock = try CyberTiplineMock(username: "esp-user", password: "esp-password")
            let running = try await mock.start(port: port)
            Standard.output("NCMEC CyberTipline mock on \(running.base) (user esp-user, password esp-password)")
            while !Task.isCancelled { try await Task.sleep(for: .seconds(3600)) }
        }
    }

    struct HashSharing: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ncmec-hash-sharing",
            abstract: "Serve a local NCMEC Hash Sharing API v2 holding the demo images' hashes, until interrupted.",
            discussion: """
                Point an ncmec_hash_sharing credential's endpoint at http://127.0.0.1:PORT, with the user \
                name and password printed at start, and a bank source at the credential.
                """)
        @Option(help: "Port on 127.0.0.1.") var port: Int = 8091
        @Option(help: "Entries per page.") var pageSize: Int = 1000
        @Option(help: "Also serve this many generated entries (random PDQ hashes), for larger trials.") var generated: Int = 0
        @Option(help: "Milliseconds each page takes to answer.") var pageDelayMs: Int = 0

        func run() async throws {
            let mock = HashSharingMock(username: "esp-user", password: "esp-password", pageSize: pageSize,
                                       pageDelay: .milliseconds(max(0, pageDelayMs)), announce: { Standard.output($0) })
            let yesterday = Date().addingTimeInterval(-86_400)
            for index in 0..<DemoImages.count {
                let signals = try ContentHasher().signals(of: try DemoImages.jpeg(index))
                mock.put(.init(id: "demo-\(index)", timestamp: yesterday, classification: "A1", md5: signals.md5, pdq: signals.pdq.hex))
            }
            // Deterministic: the same hashes every start, so a restarted mock serves the same list.
            var state: UInt64 = 0x9E37_79B9_7F4A_7C15
            for index in 0..<max(0, generated) {
                var hex = ""
                for _ in 0..<4 {
                    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                    hex += String(format: "%016llx", state)
                }
                mock.put(.init(id: "gen-\(index)", timestamp: yesterday, classification: "B1", pdq: hex))
            }
            let running = try await mock.start(port: port)
            Standard.output("NCMEC hash-sharing mock on \(running.base) (user esp-user, password esp-password), \(DemoImages.count + max(0, generated)) entries")
            // Runs until the process is interrupted.
            while !Task.isCancelled { try await Task.sleep(for: .seconds(3600)) }
        }
    }
}
