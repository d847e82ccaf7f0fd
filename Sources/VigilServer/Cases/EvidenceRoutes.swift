import Lookup
import Basics
import Banks
import Cases
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Evidence files. Readers of a case see previews (blurred, greyscale); the original is served
/// only by `POST …/reveal`, which records who saw which file, when and from where, before the
/// bytes leave (and is in the audit log). Reviewers attach images to cases; a hold keeps a file
/// past its preservation date.
struct EvidenceRoutes {
    static let revealsLeft = HTTPField.Name("Vigil-Reveals-Left")!
    static let revealID = HTTPField.Name("Vigil-Reveal-Id")!
    let lookup: LookupService
    let cases: CaseService
    let media: EvidenceMediaService
    let settings: ServerSettings
    let auditor: Auditor

    func register(on routes: RouterGroup<VigilRequestContext>) {
        routes.post("cases/{id}/evidence") { request, context in
            let id = try CaseRoutes.id(context)
            let bytes = Array(try await request.collectBody(limit: settings.maxBodyBytes).readableBytesView)
            guard !bytes.isEmpty else { throw APIError.badRequest("the body must be the image itself (Content-Type: image/…)") }
            _ = try await cases.detail(id)
            let signals = try await lookup.hash(bytes, dihedral: false)
            let stored = try await media.keep(bytes, sha256: signals.sha256, contentType: "image/\(signals.format.rawValue)")
            let evidence = NewEvidence(match: EvidenceMatch(provider: "upload"),
                                       signals: EvidenceSignals(pdq: signals.isTooSmallForPDQ ? nil : signals.pdq.hex, md5: signals.md5, sha256: signals.sha256),
                                       mediaSHA256: stored.sha256, fileName: request.uri.queryParameters.get("file_name").map { String($0) })
            _ = try await cases.addEvidence(id, [evidence], actor: context.actor)
            return try JSONText.response(CaseJSON(try await cases.detail(id)), status: .created)
        }
        routes.get("media/{sha256}") { _, context in
            let sha = try Self.sha(context)
            return try JSONText.response(MediaJSON(try await media.media(sha), reveals: try await media.reveals(sha)))
        }
        routes.get("media/{sha256}/preview") { _, context in
            Self.image(try await media.preview(try Self.sha(context)), type: "image/jpeg")
        }
        routes.post("media/{sha256}/reveal") { request, context in
            let sha = try Self.sha(context)
            guard let text = request.query("case_id") else {
                throw APIError.badRequest("case_id is required: a file is revealed for a case that cites it, and the reveal is written on its timeline",
                                          code: "missing_field")
            }
            guard let caseID = Int64(text), caseID > 0 else { throw APIError.badRequest("case_id must be a positive integer") }
            let revealed = try await auditor.audited(context, "evidence.reveal", target: "media:\(sha)", outcome: {
                "ok: \($0.exposure.summary(queues: $0.reveal.queues, priority: $0.reveal.priority))"
            }) {
                try await media.reveal(sha, caseID: caseID, actor: context.actor, remote: context.remoteAddress?.value)
            }
            var response = Self.image(revealed.bytes, type: revealed.media.contentType)
            // What is left of the caller's exposure budget this shift.
            response.headers[Self.revealsLeft] = String(revealed.exposure.left)
            // The reveal, for `POST /v1/reveals/{id}/end` when the caller is done with the file.
            response.headers[Self.revealID] = String(revealed.reveal.id)
            return response
        }
        routes.post("media/{sha256}/hold") { request, context in
            struct Body: Decodable {
                let on: Bool
                let until: String?
            }
            let sha = try Self.sha(context)
            let body = try JSONInput.decode(Body.self, from: try await request.collectBody(limit: 16 * 1024))
            let until = try body.until.map { text -> Date in
                guard let date = Timestamp.parse(text) else { throw APIError.badRequest("until must be an ISO 8601 time such as 2027-12-01T00:00:00Z") }
                return date
            }
            return try await auditor.audited(context, body.on ? "evidence.hold" : "evidence.release_hold", target: "media:\(sha)") {
                try JSONText.response(MediaJSON(try await media.hold(sha, on: body.on, until: until), reveals: nil))
            }
        }
    }

    /// An image that must not be kept by any cache on the way.
    static func image(_ bytes: [UInt8], type: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func sha(_ context: VigilRequestContext) throws -> String {
        let text = try context.parameters.require("sha256").lowercased()
        guard Hex.isDigits(text, count: 64) else { throw APIError.badRequest("an evidence file is named by its SHA-256: 64 hex digits") }
        return text
    }
}

struct MediaJSON: Encodable {
    let sha256: String
    let size: Int
    let contentType: String
    let storedAt: String
    let keepUntil: String?
    let legalHold: Bool
    let purgedAt: String?
    let reveals: [RevealJSON]?

    enum CodingKeys: String, CodingKey {
        case sha256, size, reveals
        case contentType = "content_type"
        case storedAt = "stored_at"
        case keepUntil = "keep_until"
        case legalHold = "legal_hold"
        case purgedAt = "purged_at"
    }

    init(_ media: StoredMedia, reveals: [MediaReveal]?) {
        sha256 = media.sha256
        size = media.size
        contentType = media.contentType
        storedAt = Timestamp.iso8601(media.storedAt)
        keepUntil = media.keepUntil.map(Timestamp.iso8601)
        legalHold = media.legalHold
        purgedAt = media.purgedAt.map(Timestamp.iso8601)
        self.reveals = reveals?.map(RevealJSON.init)
    }
}

struct RevealJSON: Encodable {
    let actor: String
    let caseID: Int64?
    let remote: String?
    let at: String

    enum CodingKeys: String, CodingKey {
        case actor, remote, at
        case caseID = "case_id"
    }

    init(_ reveal: MediaReveal) {
        actor = reveal.actor
        caseID = reveal.caseID
        remote = reveal.remote
        at = Timestamp.iso8601(reveal.at)
    }
}
