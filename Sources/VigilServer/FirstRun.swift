public import Access
public import Banks
import ContentHashing
public import Foundation
import ImageCodecs

/// What `vigil serve` sets up on an empty data directory: an admin key (its secret shown once)
/// and a demo bank of benign images Vigil draws itself, so a newcomer sees a match at once.
public enum FirstRun {
    public struct Outcome: Sendable {
        /// The new admin key's secret, when one was created.
        public var adminSecret: String?
        public var demoBank: Bank?
        public var demoImages: [URL]
    }

    public static let demoBankName = "VIGIL_DEMO"

    public static func prepare(banks: BankService, keys: KeyService, dataDirectory: URL, demoBank: Bool = true) async throws -> Outcome {
        var outcome = Outcome(adminSecret: nil, demoBank: nil, demoImages: [])
        if try await keys.count() == 0 {
            outcome.adminSecret = try await keys.issue(role: .admin, label: "first-run admin").secret
        }
        // Only on a database nothing was ever written to (an empty change log): a demo bank an
        // operator deleted stays deleted.
        guard demoBank, try await banks.isPristine() else { return outcome }
        let folder = dataDirectory.appendingPathComponent("demo")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let bank = try await banks.createBank(NewBank(
            name: demoBankName, description: "Demo bank: patterns drawn by Vigil on first start (benign test content)",
            labels: ["demo"]))
        var entries: [NewEntry] = []
        for index in 0..<DemoImages.count {
            let jpeg = try DemoImages.jpeg(index)
            let url = folder.appendingPathComponent("demo-\(index + 1).jpg")
            try Data(jpeg).write(to: url)
            let signals = try ContentHasher().signals(of: jpeg)
            entries.append(NewEntry(
                signals: EntrySignals(pdq: signals.pdq, pdqQuality: signals.quality, md5: signals.md5, sha256: signals.sha256),
                metadata: EntryMetadata(externalID: "demo-\(index + 1)", source: "vigil demo", note: "generated pattern \(index + 1)"),
                addedBy: "first-run"))
            outcome.demoImages.append(url)
        }
        try await banks.addEntries(entries, to: bank)
        outcome.demoBank = bank
        return outcome
    }
}

/// Deterministic, benign demo pictures: interference patterns of a few sinusoids with soft
/// colour, textured enough for PDQ quality well above the gate.
public enum DemoImages {
    public static let count = 4
    static let width = 640, height = 480

    public static func jpeg(_ index: Int) throws -> [UInt8] {
        try JPEGEncoder.encode(rgb: pixels(index), width: width, height: height, quality: 90)
    }

    static func pixels(_ index: Int) -> [UInt8] {
        let seed = Double(index + 1)
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                let u = Double(x) / Double(width), v = Double(y) / Double(height)
                let a = sin((u * (3 + seed) + v * seed) * .pi * 2)
                let b = cos((v * (2 + seed * 1.5) - u * 0.7) * .pi * 2 + seed)
                let r2 = (u - 0.3 * seed.truncatingRemainder(dividingBy: 3)) * (u - 0.5) + (v - 0.5) * (v - 0.4)
                let c = sin(r2 * 40 * seed)
                let i = (y * width + x) * 3
                rgb[i] = UInt8(clamping: Int(128 + 100 * a * (index % 2 == 0 ? 1 : -1) + 20 * c))
                rgb[i + 1] = UInt8(clamping: Int(128 + 90 * b + 30 * c))
                rgb[i + 2] = UInt8(clamping: Int(128 + 60 * (a * b) - 60 * c))
            }
        }
        return rgb
    }
}
