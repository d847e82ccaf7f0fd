import ImageSignals
import Banks
import Lookup
import ContentHashing
import Foundation
import PDQ

/// The native API's JSON shapes (snake_case keys).
struct SignalsJSON: Encodable {
    var pdq: String?
    var pdqQuality: Int?
    var md5: String?
    var sha256: String?
    var dihedral: [String: String]?

    enum CodingKeys: String, CodingKey {
        case pdq, pdqQuality = "pdq_quality", md5, sha256, dihedral
    }

    init(_ signals: ContentSignals) {
        pdq = signals.pdq.hex
        pdqQuality = signals.quality
        md5 = signals.md5
        sha256 = signals.sha256
        if let variants = signals.dihedral {
            dihedral = Dictionary(uniqueKeysWithValues: zip(DihedralVariant.allCases, variants).map { ($0.description, $1.hex) })
        }
    }

    init(pdq: PDQHash?, md5: String?, sha256: String?) {
        self.pdq = pdq?.hex
        self.md5 = md5
        self.sha256 = sha256
    }
}

struct ImageJSON: Encodable {
    var width: Int
    var height: Int
    var format: String
    var bytes: Int
    var source: String
    var tooSmallForPDQ: Bool

    enum CodingKeys: String, CodingKey {
        case width, height, format, bytes, source, tooSmallForPDQ = "too_small_for_pdq"
    }

    init(_ signals: ContentSignals, bytes: Int, source: String) {
        width = signals.width
        height = signals.height
        format = signals.format.rawValue
        self.bytes = bytes
        self.source = source
        tooSmallForPDQ = signals.isTooSmallForPDQ
    }
}

struct TimingsJSON: Encodable {
    var fetch: Double?
    var hash: Double?
    var match: Double?
    var total: Double
}

struct HashResponse: Encodable {
    var signals: SignalsJSON
    var image: ImageJSON
    var timingsMS: TimingsJSON

    enum CodingKeys: String, CodingKey { case signals, image, timingsMS = "timings_ms" }
}

/// One matched entry: every signal of it that matched, and the entry itself.
struct HitJSON: Encodable {
    var bank: String
    var bankKind: String
    var labels: [String]
    var entryID: Int64
    /// The strongest signal that matched (pdq, then md5, then sha256).
    var signal: String
    var signals: [String]
    var distance: Int
    var variant: String?
    /// The matched entry as `GET /v1/banks/{name}/entries/{id}` shows it.
    var entry: EntryDetailJSON?

    enum CodingKeys: String, CodingKey {
        case bank, bankKind = "bank_kind", labels, entryID = "entry_id", signal, signals, distance, variant, entry
        case suppressedBy = "suppressed_by"
    }

    /// The allow entry that suppressed this one (only in `suppressed`).
    var suppressedBy: SuppressorJSON?

    init(_ suppressed: SuppressedLookupMatch) {
        self.init(suppressed.match)
        suppressedBy = SuppressorJSON(suppressed.by)
    }

    init(_ match: LookupMatch) {
        bank = match.bank.name
        bankKind = match.bank.kind.rawValue
        labels = match.bank.labels
        entryID = match.entryID
        signal = match.signals.first?.rawValue ?? "pdq"
        signals = match.signals.map(\.rawValue)
        distance = match.distance
        variant = match.variant?.description
        entry = match.entry.map { EntryDetailJSON($0, bank: match.bank) }
    }
}

/// The allow entry that suppressed a match: which, and how near it is to the query.
struct SuppressorJSON: Encodable {
    var bank: String
    var entryID: Int64
    var signals: [String]
    var distance: Int

    enum CodingKeys: String, CodingKey { case bank, entryID = "entry_id", signals, distance }

    init(_ match: LookupMatch) {
        bank = match.bank.name
        entryID = match.entryID
        signals = match.signals.map(\.rawValue)
        distance = match.distance
    }
}

struct MatchResponse: Encodable {
    var signals: SignalsJSON
    var image: ImageJSON?
    var isMatch: Bool
    var matches: [HitJSON]
    var suppressed: [HitJSON]
    var allowedBy: [HitJSON]
    var pdqBelowQualityGate: Bool
    var enhanced: Bool
    var timingsMS: TimingsJSON

    enum CodingKeys: String, CodingKey {
        case signals, image, isMatch = "is_match", matches, suppressed, allowedBy = "allowed_by",
             pdqBelowQualityGate = "pdq_below_quality_gate", enhanced, timingsMS = "timings_ms"
    }
}
