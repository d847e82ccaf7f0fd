import Foundation
import Workflows

/// A run's story (`RunStory`) as the run page shows it: one short phrase per beat, each with
/// the link to what it touched, read left to right ("Matched VIGIL_DEMO (distance 4) → case #12
/// opened → user-42 blocked → report #3 drafted"); and, for a run that failed, what to do.
enum RunStoryText {
    static func beats(_ story: RunStory) -> [[String: Any]] {
        story.beats.map { beat in
            var item: [String: Any] = ["text": text(beat)]
            if let link = link(beat) { item["href"] = link }
            switch beat {
            case .failed: item["class"] = "bad"
            case .retrying, .running: item["class"] = "wait"
            case .matched: item["class"] = "hit"
            default: break
            }
            return item
        }
    }

    static func text(_ beat: RunStory.Beat) -> String {
        switch beat {
        case let .matched(provider, matches):
            guard !matches.isEmpty else { return "Matched (\(provider))" }
            let shown = matches.prefix(3).map { match in match.distance.map { "\(match.source) (distance \($0))" } ?? match.source }
            return "Matched " + shown.joined(separator: ", ") + (matches.count > 3 ? " and \(matches.count - 3) more" : "")
        case let .noMatch(provider): return provider == "vigil" ? "No match in the banks" : "No match (\(provider))"
        case let .branched(step, branch):
            return branch == "none" ? "\(step): no branch held" : "\(step): \(branch)"
        case let .caseOpened(id, created): return created ? "case #\(id) opened" : "case #\(id) (already open)"
        case let .caseChanged(id, action, status):
            return "case #\(id) " + (status.map { "\(Display.words(action)) → \(Display.words($0))" } ?? Display.words(action))
        case let .account(_, reference, action, _):
            let who = reference ?? "the account"
            return switch action {
            case "block": "\(who) blocked"
            case "tag": "\(who) tagged"
            default: "\(who) recorded"
            }
        case let .reportDrafted(id, _, state):
            return state == "approved" ? "report #\(id) drafted and approved" : "report #\(id) drafted"
        case let .notified(status): return status.map { "team notified (HTTP \($0))" } ?? "team notified"
        case let .addedToBank(bank, added):
            let name = bank ?? "a bank"
            return added ? "added to \(name)" : "already in \(name)"
        case let .done(step, action): return "\(step): \(action) done"
        case let .failed(step, _, error, attempts, _):
            return "\(step) failed" + (attempts > 1 ? " after \(attempts) tries" : "") + ": " + error.prefix(300)
        case let .retrying(step, error, next):
            return "\(step) failed (\(error.prefix(200))); tries again" + (next.map { " at " + Display.time($0) } ?? "")
        case let .running(step): return "\(step) running"
        }
    }

    static func link(_ beat: RunStory.Beat) -> String? {
        switch beat {
        case let .caseOpened(id, _), let .caseChanged(id, _, _): "/cases/\(id)"
        case let .account(id?, _, _, _): "/accounts/\(id)"
        case let .reportDrafted(_, caseID?, _): "/cases/\(caseID)#report"
        default: nil
        }
    }

    /// What to do about a failed run, in words: a deleted credential names itself; a refused
    /// address says who can allow it; anything else says to fix the cause and run it again.
    static func advice(_ story: RunStory, run: WorkflowRun, knownCredentials: Set<String>) -> [String] {
        guard run.status == .failed else { return [] }
        var advice: [String] = []
        for case let .failed(step, _, error, _, credential) in story.beats {
            if let credential, !knownCredentials.contains(credential) {
                advice.append("The credential \(credential) that step \(step) uses was deleted: choose another in the workflow's step, publish, and run it again.")
            } else if error.contains("refused by the address rules") || error.contains("destination_refused") {
                advice.append("Step \(step) was refused an address: an admin can allow it (--fetch-allow or --integration-endpoint), then run it again.")
            } else if error.contains("connection refused") || error.contains("timed out") {
                advice.append("The service step \(step) calls did not answer: check it is up, then run it again.")
            } else {
                advice.append("Step \(step) failed: fix what its error says, then run it again.")
            }
        }
        if advice.isEmpty, let error = run.error {
            advice.append(error.contains("cannot run") ? "This version cannot run on this Vigil: publish the workflow again, then run it again."
                                                       : "Fix what the error says, then run it again.")
        }
        return advice
    }
}
