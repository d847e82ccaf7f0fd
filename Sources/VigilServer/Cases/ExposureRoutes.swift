import Basics
import Cases
import Foundation
import Hummingbird

/// Reviewers' exposure to evidence this shift (issue 30 §4): a reviewer reads their own (how
/// many reveals, how long clear, how many are left under each cap, when a cap eases) and ends
/// their own reveals; an admin (a supervisor) reads everyone's — counts only, never an image or
/// which file — and sets the caps of queues and priorities.
struct ExposureRoutes {
    let media: EvidenceMediaService
    let auditor: Auditor

    func register(on routes: RouterGroup<VigilRequestContext>) {
        routes.get("exposure") { _, context in
            try JSONText.response(ExposureJSON(try await media.exposure(of: context.actor)))
        }
        routes.get("exposures") { _, _ in
            try JSONText.response(["exposures": try await media.exposures().map(ExposureJSON.init)])
        }
        routes.post("reveals/{id}/end") { _, context in
            // The reviewer is done with a file they revealed: its time is measured up to now.
            let id = try context.positiveID(of: "a reveal")
            let ended = try await auditor.audited(context, "evidence.hide", target: "reveal:\(id)", outcome: { "ok: clear for \($0.seconds) s" }) {
                try await media.endReveal(id, actor: context.actor)
            }
            return try JSONText.response(RevealEndJSON(id: ended.reveal.id, sha256: ended.reveal.sha256, seconds: ended.seconds,
                                                       endedAt: ended.reveal.endedAt.map(Timestamp.iso8601)))
        }
        routes.get("exposure-limits") { _, _ in
            let budget = media.budget
            return try JSONText.response(ExposureLimitsJSON(shift: ExposureLimitJSON(budget.shiftLimit), shiftHours: budget.shiftHours,
                                                            revealSeconds: budget.revealSeconds,
                                                            limits: try await media.limits().map(ExposureLimitJSON.init)))
        }
        routes.put("exposure-limits/{scope}/{name}") { request, context in
            struct Body: Decodable {
                let revealsPerShift: Int?
                let secondsPerShift: Int?
                enum CodingKeys: String, CodingKey {
                    case revealsPerShift = "reveals_per_shift", secondsPerShift = "seconds_per_shift"
                }
            }
            let scope = try Self.scope(context)
            let body = try JSONInput.decode(Body.self, from: try await request.collectBody(limit: 4 * 1024))
            let saved = try await auditor.audited(context, "exposure.limit", target: "\(scope.kind):\(scope.name)", outcome: { "ok: \($0.words)" }) {
                try await media.setLimit(scope, reveals: body.revealsPerShift, seconds: body.secondsPerShift)
            }
            return try JSONText.response(ExposureLimitJSON(saved))
        }
        routes.delete("exposure-limits/{scope}/{name}") { _, context in
            let scope = try Self.scope(context)
            try await auditor.audited(context, "exposure.limit_removed", target: "\(scope.kind):\(scope.name)") {
                try await media.removeLimit(scope)
            }
            return Response(status: .noContent)
        }
    }

    /// The cap's scope from the path: `queue/{name}` or `priority/{low…urgent}`.
    static func scope(_ context: VigilRequestContext) throws -> ExposureScope {
        let kind = try context.parameters.require("scope")
        let raw = try context.parameters.require("name")
        do { return try ExposureScope.named(kind: kind, name: raw.removingPercentEncoding ?? raw) } catch {
            throw APIError.badRequest("\(error.description) (the path is /v1/exposure-limits/queue/{name} or /v1/exposure-limits/priority/{priority})")
        }
    }
}

/// One person's exposure this shift, as the API shows it: the shift's cap at the top level (as
/// before caps of queues and priorities existed), and every cap under `limits`.
struct ExposureJSON: Encodable {
    let actor: String
    let reveals: Int
    let revealsLeft: Int
    let revealsPerShift: Int
    let secondsRevealed: Int
    let secondsLeft: Int
    let secondsPerShift: Int
    let shiftHours: Int
    let nearLimit: Bool
    let atLimit: Bool
    let easesAt: String?
    let limits: [UseJSON]

    struct UseJSON: Encodable {
        let scope: String
        let name: String?
        let reveals: Int
        let revealsPerShift: Int?
        let secondsRevealed: Int
        let secondsPerShift: Int?
        let nearLimit: Bool
        let atLimit: Bool
        let easesAt: String?

        enum CodingKeys: String, CodingKey {
            case scope, name, reveals
            case revealsPerShift = "reveals_per_shift", secondsRevealed = "seconds_revealed", secondsPerShift = "seconds_per_shift"
            case nearLimit = "near_limit", atLimit = "at_limit", easesAt = "eases_at"
        }

        init(_ use: ExposureUse) {
            scope = use.limit.scope.kind
            name = use.limit.scope == .shift ? nil : use.limit.scope.name
            reveals = use.reveals
            revealsPerShift = use.limit.revealsPerShift
            secondsRevealed = use.seconds
            secondsPerShift = use.limit.secondsPerShift
            nearLimit = use.nearLimit
            atLimit = use.atLimit
            easesAt = use.easesAt.map(Timestamp.iso8601)
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(scope, forKey: .scope)
            try container.encode(name, forKey: .name)
            try container.encode(reveals, forKey: .reveals)
            try container.encode(revealsPerShift, forKey: .revealsPerShift)
            try container.encode(secondsRevealed, forKey: .secondsRevealed)
            try container.encode(secondsPerShift, forKey: .secondsPerShift)
            try container.encode(nearLimit, forKey: .nearLimit)
            try container.encode(atLimit, forKey: .atLimit)
            try container.encode(easesAt, forKey: .easesAt)
        }
    }

    enum CodingKeys: String, CodingKey {
        case actor, reveals, limits
        case revealsLeft = "reveals_left", revealsPerShift = "reveals_per_shift", secondsRevealed = "seconds_revealed"
        case secondsLeft = "seconds_left", secondsPerShift = "seconds_per_shift", shiftHours = "shift_hours"
        case nearLimit = "near_limit", atLimit = "at_limit", easesAt = "eases_at"
    }

    init(_ exposure: Exposure) {
        actor = exposure.actor
        reveals = exposure.reveals
        revealsLeft = exposure.left
        revealsPerShift = exposure.budget.revealsPerShift
        secondsRevealed = exposure.secondsSeen
        secondsLeft = exposure.shift.secondsLeft ?? 0
        secondsPerShift = exposure.budget.secondsPerShift
        shiftHours = exposure.budget.shiftHours
        nearLimit = exposure.nearLimit
        atLimit = exposure.atLimit
        easesAt = exposure.easesAt.map(Timestamp.iso8601)
        limits = ([exposure.shift] + exposure.scoped).map(UseJSON.init)
    }
}

/// A cap as `GET/PUT /v1/exposure-limits` show it.
struct ExposureLimitJSON: Encodable {
    let scope: String
    let name: String?
    let revealsPerShift: Int?
    let secondsPerShift: Int?

    enum CodingKeys: String, CodingKey {
        case scope, name
        case revealsPerShift = "reveals_per_shift", secondsPerShift = "seconds_per_shift"
    }

    init(_ limit: ExposureLimit) {
        scope = limit.scope.kind
        name = limit.scope == .shift ? nil : limit.scope.name
        revealsPerShift = limit.revealsPerShift
        secondsPerShift = limit.secondsPerShift
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(scope, forKey: .scope)
        try container.encode(name, forKey: .name)
        try container.encode(revealsPerShift, forKey: .revealsPerShift)
        try container.encode(secondsPerShift, forKey: .secondsPerShift)
    }
}

struct ExposureLimitsJSON: Encodable {
    let shift: ExposureLimitJSON
    let shiftHours: Int
    let revealSeconds: Int
    let limits: [ExposureLimitJSON]

    enum CodingKeys: String, CodingKey {
        case shift, limits
        case shiftHours = "shift_hours", revealSeconds = "reveal_seconds"
    }
}

/// A reveal ended by `POST /v1/reveals/{id}/end`: how long the file was clear.
struct RevealEndJSON: Encodable {
    let id: Int64
    let sha256: String
    let seconds: Int
    let endedAt: String?

    enum CodingKeys: String, CodingKey {
        case id, sha256, seconds
        case endedAt = "ended_at"
    }
}
