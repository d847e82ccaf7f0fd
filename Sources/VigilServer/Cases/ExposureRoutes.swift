import Basics
import Cases
import Foundation
import Hummingbird

/// Reviewers' exposure to evidence this shift (issue 30 §4): a reviewer reads their own (how
/// many reveals, how long clear, how many are left, when the cap eases); an admin (a
/// supervisor) reads everyone's — counts only, never an image or which file.
struct ExposureRoutes {
    let media: EvidenceMediaService

    func register(on routes: RouterGroup<VigilRequestContext>) {
        routes.get("exposure") { _, context in
            try JSONText.response(ExposureJSON(try await media.exposure(of: context.actor)))
        }
        routes.get("exposures") { _, _ in
            try JSONText.response(["exposures": try await media.exposures().map(ExposureJSON.init)])
        }
    }
}

/// One person's exposure this shift, as the API shows it.
struct ExposureJSON: Encodable {
    let actor: String
    let reveals: Int
    let revealsLeft: Int
    let revealsPerShift: Int
    let secondsRevealed: Int
    let shiftHours: Int
    let nearLimit: Bool
    let atLimit: Bool
    let easesAt: String?

    enum CodingKeys: String, CodingKey {
        case actor, reveals
        case revealsLeft = "reveals_left", revealsPerShift = "reveals_per_shift", secondsRevealed = "seconds_revealed", shiftHours = "shift_hours"
        case nearLimit = "near_limit", atLimit = "at_limit", easesAt = "eases_at"
    }

    init(_ exposure: Exposure) {
        actor = exposure.actor
        reveals = exposure.reveals
        revealsLeft = exposure.left
        revealsPerShift = exposure.budget.revealsPerShift
        secondsRevealed = exposure.secondsSeen
        shiftHours = exposure.budget.shiftHours
        nearLimit = exposure.nearLimit
        atLimit = exposure.atLimit
        easesAt = exposure.easesAt.map(Timestamp.iso8601)
    }
}
