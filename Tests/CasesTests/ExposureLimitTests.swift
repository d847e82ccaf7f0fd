import Cases
import Foundation
import Testing

/// Caps per queue and priority, and seconds revealed measured (issue 30 §4): the arithmetic a
/// reveal's transaction applies, without a database.
@Suite struct ExposureLimitTests {
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    static func reveal(_ id: Int64, at offset: TimeInterval, priority: Priority = .normal, queue: String = "default",
                       hiddenAfter: TimeInterval? = nil) -> MediaReveal {
        let at = start.addingTimeInterval(offset)
        return MediaReveal(id: id, sha256: "ab", caseID: 1, actor: "user:ana", remote: nil, at: at, queues: [queue], priority: priority,
                           endedAt: hiddenAfter.map { at.addingTimeInterval($0) })
    }

    @Test func anUrgentCapRefusesUrgentRevealsOnlyWhileTheShiftCapStillAllowsOthers() {
        let budget = ExposureBudget(revealsPerShift: 60, secondsPerShift: 3600, shiftHours: 8, revealSeconds: 30)
        let urgent = ExposureLimit(scope: .priority(.urgent), revealsPerShift: 2, secondsPerShift: nil)
        let reveals = [Self.reveal(1, at: 0, priority: .urgent), Self.reveal(2, at: 60, priority: .urgent), Self.reveal(3, at: 120)]
        let exposure = budget.exposure(of: "user:ana", reveals: reveals, limits: [urgent])
        let refused = exposure.refusal(queues: ["default"], priority: .urgent)
        #expect(refused?.limit == urgent && refused?.reveals == 2)
        #expect(refused?.refusalText(actor: "user:ana").contains("files of urgent cases") == true)
        #expect(exposure.refusal(queues: ["default"], priority: .normal) == nil, "a normal case's file can still be revealed")
        #expect(exposure.reveals == 3 && exposure.left == 57)
        // It eases when the oldest urgent reveal leaves the shift.
        #expect(refused?.easesAt == Self.start.addingTimeInterval(8 * 3600))
        #expect(exposure.summary(queues: ["default"], priority: .urgent).contains("for files of urgent cases, 0 of 2 reveals left"))
    }

    @Test func aQueueCapCountsOnlyThatQueuesReveals() {
        let budget = ExposureBudget(revealsPerShift: 60, secondsPerShift: 3600, shiftHours: 8, revealSeconds: 30)
        let csam = ExposureLimit(scope: .queue("csam"), revealsPerShift: 1, secondsPerShift: nil)
        let exposure = budget.exposure(of: "user:ana", reveals: [Self.reveal(1, at: 0, queue: "csam")], limits: [csam])
        #expect(exposure.refusal(queues: ["csam"], priority: .low) != nil)
        #expect(exposure.refusal(queues: ["spam"], priority: .low) == nil)
    }

    @Test func secondsAreMeasuredUntilHiddenAndCountInFullWhenNot() {
        let budget = ExposureBudget(revealsPerShift: 60, secondsPerShift: 100, shiftHours: 8, revealSeconds: 30)
        #expect(budget.seconds(of: Self.reveal(1, at: 0, hiddenAfter: 12)) == 12)
        #expect(budget.seconds(of: Self.reveal(1, at: 0, hiddenAfter: 1)) == 5, "a reveal counts at least 5 s: the file was sent whole")
        #expect(budget.seconds(of: Self.reveal(1, at: 0, hiddenAfter: 400)) == 30, "never more than the re-blur time")
        #expect(budget.seconds(of: Self.reveal(1, at: 0)) == 30, "not hidden: counted in full")
        // 6 + 6 + 30 = 42 s seen: 58 s left, room for one more 30 s reveal.
        let light = budget.exposure(of: "user:ana", reveals: [Self.reveal(1, at: 0, hiddenAfter: 6), Self.reveal(2, at: 10, hiddenAfter: 6),
                                                              Self.reveal(3, at: 20)], limits: [])
        #expect(light.secondsSeen == 42 && !light.atLimit && light.shift.secondsLeft == 58)
        // Three unhidden reveals are 90 s: the 10 s left cannot hold one more reveal.
        let heavy = budget.exposure(of: "user:ana", reveals: [Self.reveal(1, at: 0), Self.reveal(2, at: 60), Self.reveal(3, at: 120)], limits: [])
        let refused = try? #require(heavy.refusal(queues: [], priority: nil))
        #expect(heavy.secondsSeen == 90 && refused?.refusalText(actor: "user:ana").contains("revealed for 90 s in this shift: less is left") == true)
        // Once the first leaves the window, 60 s are counted: room again.
        #expect(heavy.easesAt == Self.start.addingTimeInterval(8 * 3600))
    }

    @Test func aCapIsRefusedInWordsNamingEachBadField() throws {
        #expect(throws: CaseError.self) { try ExposureLimit.validated(scope: .queue("csam"), reveals: nil, seconds: nil, revealSeconds: 30) }
        do {
            _ = try ExposureLimit.validated(scope: .priority(.urgent), reveals: 0, seconds: 10, revealSeconds: 30)
            Issue.record("accepted")
        } catch {
            #expect(error.description.contains("reveals_per_shift must be from 1") && error.description.contains("seconds_per_shift must be from 30"))
        }
        #expect(try ExposureLimit.validated(scope: .priority(.urgent), reveals: 5, seconds: nil, revealSeconds: 30).words == "5 reveals a shift")
        #expect(throws: CaseError.self) { try ExposureScope.named(kind: "priority", name: "severe") }
        #expect(throws: CaseError.self) { try ExposureScope.named(kind: "team", name: "a") }
        #expect(try ExposureScope.named(kind: "queue", name: "csam") == .queue("csam"))
    }
}
